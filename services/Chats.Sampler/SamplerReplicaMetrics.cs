using Prometheus;

namespace Chats.Sampler;

/// <summary>The sampler's view of its dependencies' replicas.</summary>
internal static class SamplerReplicaMetrics
{
    public static readonly Counter ReplicaFailures = Metrics.CreateCounter(
        "chats_sampler_replica_failures_total", "Calls or steps a dependency replica failed, by role and failure (busy: full; unavailable: gone, draining, broken); each was retried on a replica of the role.",
        new CounterConfiguration { LabelNames = ["role", "failure"] });

    public static readonly Counter SessionFailovers = Metrics.CreateCounter(
        "chats_sampler_session_failovers_total", "Denoiser sessions re-opened on another replica mid-generation, by role and the first replica's failure (busy: full at open; unavailable: gone, draining, broken).",
        new CounterConfiguration { LabelNames = ["role", "failure"] });

    public static readonly Gauge Replicas = Metrics.CreateGauge(
        "chats_sampler_replicas", "Replicas known per dependency role (configured, or resolved from dns:///).",
        new GaugeConfiguration { LabelNames = ["role"] });
}
