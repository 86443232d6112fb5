using Prometheus;

namespace Chats.TextEncoder.Caching;

/// <summary>The Redis cache's own metrics: breaker state, calls it skipped and calls that failed.</summary>
internal static class EmbeddingCacheMetrics
{
    /// <summary>1 while the breaker refuses calls to Redis (open or half-open), 0 while closed.</summary>
    public static readonly Gauge BreakerOpen = Metrics.CreateGauge(
        "chats_embedding_cache_breaker_open", "1 while the embedding cache's Redis breaker is open (lookups miss at once, stores are skipped).");

    /// <summary>Times the breaker opened.</summary>
    public static readonly Counter BreakerOpened = Metrics.CreateCounter(
        "chats_embedding_cache_breaker_opened_total", "Times the embedding cache's Redis breaker opened.");

    /// <summary>Redis calls not made, by operation (lookup, store) and reason (breaker_open, store_backlog).</summary>
    public static readonly Counter Skipped = Metrics.CreateCounter(
        "chats_embedding_cache_skipped_total", "Embedding cache calls to Redis not made, by operation and reason.",
        new CounterConfiguration { LabelNames = ["operation", "reason"] });

    /// <summary>Redis calls that failed or timed out, by operation (lookup, store).</summary>
    public static readonly Counter Failures = Metrics.CreateCounter(
        "chats_embedding_cache_failures_total", "Embedding cache calls to Redis that failed or timed out, by operation.",
        new CounterConfiguration { LabelNames = ["operation"] });
}
