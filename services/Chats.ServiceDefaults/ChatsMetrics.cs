using Prometheus;

namespace Chats.ServiceDefaults;

/// <summary>The Prometheus metrics every Chats service exports (one registry per process).</summary>
public static class ChatsMetrics
{
    /// <summary>gRPC calls by service, method and final status code.</summary>
    public static readonly Counter GrpcRequests = Metrics.CreateCounter(
        "chats_grpc_requests_total", "gRPC calls handled, by method and status code.",
        new CounterConfiguration { LabelNames = ["service", "method", "code"] });

    /// <summary>Duration of one denoising step, by role (denoiser roles, and "sampler" for the whole step).</summary>
    public static readonly Histogram StepSeconds = Metrics.CreateHistogram(
        "chats_step_seconds", "Duration of one denoising step.",
        new HistogramConfiguration
        {
            LabelNames = ["role"],
            Buckets = Histogram.ExponentialBuckets(0.001, 2, 16),
        });

    /// <summary>Embedding cache lookups by result (hit, miss, error).</summary>
    public static readonly Counter EmbeddingCache = Metrics.CreateCounter(
        "chats_embedding_cache_total", "Embedding cache lookups by result.",
        new CounterConfiguration { LabelNames = ["result"] });

    /// <summary>Generations by mode and A/B arm.</summary>
    public static readonly Counter Generations = Metrics.CreateCounter(
        "chats_generations_total", "Generations started, by guidance mode and A/B arm.",
        new CounterConfiguration { LabelNames = ["mode", "arm"] });

    /// <summary>A/B assignments made by the gateway.</summary>
    public static readonly Counter ArmAssignments = Metrics.CreateCounter(
        "chats_ab_assignments_total", "Requests assigned to an A/B arm by the gateway.",
        new CounterConfiguration { LabelNames = ["arm"] });
}
