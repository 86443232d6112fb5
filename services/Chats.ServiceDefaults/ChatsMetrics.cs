using Grpc.Core;
using Prometheus;

namespace Chats.ServiceDefaults;

/// <summary>The Prometheus metrics every Chats service exports (one registry per process).</summary>
public static class ChatsMetrics
{
    /// <summary>gRPC calls by service, method and final status code.</summary>
    public static readonly Counter GrpcRequests = Metrics.CreateCounter(
        "chats_grpc_requests_total", "gRPC calls handled, by method and status code.",
        new CounterConfiguration { LabelNames = ["service", "method", "code"] });

    /// <summary>Counts one finished call of <paramref name="service"/>/<paramref name="method"/> in <see cref="GrpcRequests"/>.</summary>
    internal static void CountGrpcCall(string service, string method, StatusCode code)
        => GrpcRequests.WithLabels(service, method, code.ToString()).Inc();

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

    /// <summary>Denoising steps answered, by role (Triton's request count: one per session step).</summary>
    public static readonly Counter DenoiserRequests = Metrics.CreateCounter(
        "chats_denoiser_request_success_total", "Session steps answered by the denoiser.",
        new CounterConfiguration { LabelNames = ["role"] });

    /// <summary>Rows computed (latents × conditionings), by role: average batch = Δinference / Δexecution.</summary>
    public static readonly Counter DenoiserInferences = Metrics.CreateCounter(
        "chats_denoiser_inference_count_total", "Rows (latents x conditionings) computed by UNet forwards.",
        new CounterConfiguration { LabelNames = ["role"] });

    /// <summary>UNet forward passes, by role.</summary>
    public static readonly Counter DenoiserExecutions = Metrics.CreateCounter(
        "chats_denoiser_execution_count_total", "UNet forward passes executed.",
        new CounterConfiguration { LabelNames = ["role"] });

    /// <summary>Rows per forward pass, by role.</summary>
    public static readonly Histogram DenoiserBatchSize = Metrics.CreateHistogram(
        "chats_denoiser_batch_size", "Rows per UNet forward pass.",
        new HistogramConfiguration { LabelNames = ["role"], Buckets = [1, 2, 4, 8, 16, 32, 64, 128] });

    /// <summary>Time a step waited in the denoiser's queue before its forward pass started.</summary>
    public static readonly Histogram DenoiserQueueSeconds = Metrics.CreateHistogram(
        "chats_denoiser_queue_duration_seconds", "Time a step waited for its forward pass.",
        new HistogramConfiguration { LabelNames = ["role"], Buckets = Histogram.ExponentialBuckets(0.0001, 2, 18) });

    /// <summary>Duration of one forward pass (host to host).</summary>
    public static readonly Histogram DenoiserComputeSeconds = Metrics.CreateHistogram(
        "chats_denoiser_compute_duration_seconds", "Duration of one UNet forward pass, host to host.",
        new HistogramConfiguration { LabelNames = ["role"], Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });

    /// <summary>Steps waiting for a forward pass, by role (read at scrape time).</summary>
    public static readonly Gauge DenoiserPendingSteps = Metrics.CreateGauge(
        "chats_denoiser_pending_steps", "Steps waiting for a forward pass.",
        new GaugeConfiguration { LabelNames = ["role"] });

    /// <summary>Open sessions, by role (read at scrape time).</summary>
    public static readonly Gauge DenoiserActiveSessions = Metrics.CreateGauge(
        "chats_denoiser_active_sessions", "Open denoiser sessions.",
        new GaugeConfiguration { LabelNames = ["role"] });

    /// <summary>Generations the sampler is running now.</summary>
    public static readonly Gauge SamplerInFlight = Metrics.CreateGauge(
        "chats_sampler_inflight_generations", "Generations the sampler is running.");

    /// <summary>End-to-end generation latency in the sampler, by mode.</summary>
    public static readonly Histogram GenerationSeconds = Metrics.CreateHistogram(
        "chats_generation_duration_seconds", "Generation latency in the sampler, from request to last image.",
        new HistogramConfiguration { LabelNames = ["mode"], Buckets = Histogram.ExponentialBuckets(0.01, 2, 16) });

    /// <summary>Sampler-side durations of a generation's phases (encode, guidance per step, decode).</summary>
    public static readonly Histogram SamplerPhaseSeconds = Metrics.CreateHistogram(
        "chats_sampler_phase_duration_seconds", "Duration of a generation phase in the sampler: encode and decode per generation, guidance (input scaling, combination, scheduler step) per step.",
        new HistogramConfiguration { LabelNames = ["phase"], Buckets = Histogram.ExponentialBuckets(0.00001, 2, 24) });

    /// <summary>One denoiser call of one step as the sampler sees it: wire, queue wait and forward pass together.</summary>
    public static readonly Histogram SamplerDenoiserCallSeconds = Metrics.CreateHistogram(
        "chats_sampler_denoiser_call_duration_seconds", "Duration of one step's call to a denoiser role, from the sampler's request to its predictions.",
        new HistogramConfiguration { LabelNames = ["role"], Buckets = Histogram.ExponentialBuckets(0.0001, 2, 20) });
}
