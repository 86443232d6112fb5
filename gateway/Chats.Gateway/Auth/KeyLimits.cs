using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Threading.RateLimiting;
using Chats.Core.Sampling;
using Microsoft.Extensions.Options;

namespace Chats.Gateway.Auth;

/// <summary>
/// Per-key limits, partitioned by key name (anonymous callers, with auth off, share one partition): a token bucket for
/// calls a minute and a concurrency limit on generations, whose permit is held for the whole streaming call. Nothing
/// queues: a call over a limit is refused at once with the wait the limiter computes.
/// </summary>
internal sealed class KeyLimits : IDisposable
{
    /// <summary>The partition of callers without a key.</summary>
    private const string Anonymous = "";

    private readonly Dictionary<string, ApiKey> _keys;
    private readonly PartitionedRateLimiter<string> _requests;
    private readonly PartitionedRateLimiter<string> _generations;
    private readonly TimeSpan _concurrencyRetryAfter;

    public KeyLimits(ApiKeyStore store, IOptions<GatewayAuthOptions> auth, IOptions<GatewayOptions> gateway)
    {
        var anonymous = new ApiKey(
            Anonymous,
            auth.Value.AnonymousRequestsPerMinute,
            Math.Max(auth.Value.AnonymousRequestsPerMinute, 1),
            auth.Value.AnonymousMaxConcurrentGenerations,
            AllowArmOverride: false,
            $"{GatewayAuthOptions.Section}:{nameof(GatewayAuthOptions.AnonymousRequestsPerMinute)}",
            $"{GatewayAuthOptions.Section}:{nameof(GatewayAuthOptions.AnonymousMaxConcurrentGenerations)}");
        _keys = store.Keys.Append(anonymous).ToDictionary(k => k.Name, StringComparer.Ordinal);
        _requests = PartitionedRateLimiter.Create<string, string>(name => RequestsPartition(_keys[name]), StringComparer.Ordinal);
        _generations = PartitionedRateLimiter.Create<string, string>(name => GenerationsPartition(_keys[name]), StringComparer.Ordinal);
        // A concurrency permit frees when a generation ends, which the limiter cannot foresee: the gateway's usual wait.
        _concurrencyRetryAfter = gateway.Value.RetryAfter;
    }

    /// <summary>
    /// Takes a generation permit and a request token of <paramref name="key"/> (null: an anonymous caller). On success
    /// <paramref name="admitted"/> holds the generation permit until disposed; a refused call takes neither.
    /// </summary>
    public bool TryAdmit(ApiKey? key, [NotNullWhen(true)] out IDisposable? admitted, [NotNullWhen(false)] out KeyLimitRefusal? refusal)
    {
        var limits = _keys[key?.Name ?? Anonymous];
        var generation = _generations.AttemptAcquire(limits.Name);
        if (!generation.IsAcquired)
        {
            generation.Dispose();
            admitted = null;
            refusal = new KeyLimitRefusal("concurrent_generations", string.Create(CultureInfo.InvariantCulture,
                $"{Who(limits)} already {(key is null ? "have" : "has")} {limits.MaxConcurrentGenerations} generation(s) running, the most allowed ({limits.ConcurrencySetting}); {RetryDelay.Phrase(_concurrencyRetryAfter)}"),
                _concurrencyRetryAfter);
            return false;
        }

        using var request = _requests.AttemptAcquire(limits.Name);
        if (!request.IsAcquired)
        {
            generation.Dispose();
            var wait = request.TryGetMetadata(MetadataName.RetryAfter, out var after) ? RoundUp(after) : Period(limits.RequestsPerMinute).Period;
            admitted = null;
            refusal = new KeyLimitRefusal("requests_per_minute", string.Create(CultureInfo.InvariantCulture,
                $"{Who(limits)} {(key is null ? "are" : "is")} over the rate limit of {limits.RequestsPerMinute} requests per minute, bursts of {limits.Burst} ({limits.RateSetting}); {RetryDelay.Phrase(wait)}"),
                wait);
            return false;
        }

        admitted = generation;
        refusal = null;
        return true;
    }

    public void Dispose()
    {
        _requests.Dispose();
        _generations.Dispose();
    }

    private static string Who(ApiKey limits) => limits.Name == Anonymous ? "callers without an API key" : $"API key '{limits.Name}'";

    private static RateLimitPartition<string> RequestsPartition(ApiKey key)
    {
        if (key.RequestsPerMinute == 0)
        {
            return RateLimitPartition.GetNoLimiter(key.Name);
        }

        var (tokens, period) = Period(key.RequestsPerMinute);
        return RateLimitPartition.GetTokenBucketLimiter(key.Name, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = key.Burst,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
        });
    }

    private static RateLimitPartition<string> GenerationsPartition(ApiKey key) => key.MaxConcurrentGenerations == 0
        ? RateLimitPartition.GetNoLimiter(key.Name)
        : RateLimitPartition.GetConcurrencyLimiter(key.Name, _ => new ConcurrencyLimiterOptions { PermitLimit = key.MaxConcurrentGenerations, QueueLimit = 0 });

    /// <summary>
    /// The bucket's refill: the partitioned limiter replenishes on a 100 ms heartbeat, at most once a period, so a period
    /// of a second or more keeps the rate within a tenth of the configured one (60/min: a token a second; 6000/min: 100).
    /// </summary>
    private static (int Tokens, TimeSpan Period) Period(int perMinute)
    {
        int tokens = (int)Math.Ceiling(perMinute / 60.0);
        return (tokens, TimeSpan.FromMinutes(1) * tokens / perMinute);
    }

    // Whole tenths of a second, so the detail reads "retry in 1 s", not "retry in 999 ms".
    private static TimeSpan RoundUp(TimeSpan wait) => TimeSpan.FromMilliseconds(Math.Max(1, Math.Ceiling(wait.TotalMilliseconds / 100)) * 100);
}
