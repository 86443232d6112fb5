using System.ComponentModel.DataAnnotations;

namespace Chats.TextEncoder.Caching;

/// <summary>Embedding cache settings, section <c>EmbeddingCache</c>.</summary>
public sealed record EmbeddingCacheOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "EmbeddingCache";

    /// <summary>StackExchange.Redis configuration string (e.g. <c>127.0.0.1:6379</c>). Empty: an in-process cache.</summary>
    public string? Redis { get; init; }

    /// <summary>Prefix of every Redis key.</summary>
    [Required]
    public string KeyPrefix { get; init; } = "chats:emb:v1:";

    /// <summary>How long an entry lives in Redis.</summary>
    public TimeSpan TimeToLive { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Entries kept by the in-process cache.</summary>
    [Range(0, 1_000_000)]
    public int InMemoryCapacity { get; init; } = 1024;

    /// <summary>Milliseconds a Redis operation may take before the cache is bypassed for that call.</summary>
    [Range(50, 60_000)]
    public int RedisTimeoutMilliseconds { get; init; } = 1000;

    /// <summary>
    /// Redis failures (errors or timeouts) in a row after which the cache stops calling Redis for
    /// <see cref="BreakerCooldown"/>: lookups miss at once and stores are skipped. 0 turns the breaker off.
    /// </summary>
    [Range(0, 1000)]
    public int BreakerFailures { get; init; } = 3;

    /// <summary>How long the open breaker skips Redis before it lets one call through to see whether Redis is back.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan BreakerCooldown { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Stores in flight at once. Stores run after the response is on its way; beyond this many (a slow Redis) a
    /// store is skipped, so unsent values cannot pile up in memory.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxPendingStores { get; init; } = 64;
}
