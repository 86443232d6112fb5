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
}
