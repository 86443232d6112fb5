using Prometheus;

namespace Chats.Gateway;

/// <summary>The gateway's own Prometheus metrics (next to the shared ones in <c>ChatsMetrics</c>).</summary>
internal static class GatewayMetrics
{
    /// <summary>gRPC calls proxied to the samplers, by the status the client received (including the gateway's own).</summary>
    public static readonly Counter Requests = Metrics.CreateCounter(
        "chats_gateway_requests_total", "gRPC calls the gateway proxied to a sampler, by the final status code the client received.",
        new CounterConfiguration { LabelNames = ["code"] });

    /// <summary>Calls sent to another sampler after one refused, by why it refused: full, unavailable, unreachable.</summary>
    public static readonly Counter Retries = Metrics.CreateCounter(
        "chats_gateway_retries_total", "Calls the gateway sent to another sampler because one refused them, by reason.",
        new CounterConfiguration { LabelNames = ["reason"] });

    /// <summary>Lookups of dns:/// sampler names, by result (ok, failed).</summary>
    public static readonly Counter DnsResolutions = Metrics.CreateCounter(
        "chats_gateway_dns_resolutions_total", "Resolutions of dns:/// sampler names, by result.",
        new CounterConfiguration { LabelNames = ["result"] });

    /// <summary>Proxied calls by arm (the sampler's report, else the gateway's assignment, else none) and final status.</summary>
    public static readonly Counter ArmRequests = Metrics.CreateCounter(
        "chats_gateway_arm_requests_total", "gRPC calls through the gateway, by A/B arm and the final status code the client received (the gateway's own refusals included).",
        new CounterConfiguration { LabelNames = ["arm", "code"] });

    /// <summary>Whole-call duration by arm, from the gateway's first step to the call's end.</summary>
    public static readonly Histogram ArmRequestSeconds = Metrics.CreateHistogram(
        "chats_gateway_arm_request_seconds", "Duration of gRPC calls through the gateway, whole call, by A/B arm.",
        new HistogramConfiguration { LabelNames = ["arm"], Buckets = Histogram.ExponentialBuckets(0.01, 2, 16) });

    /// <summary>Calls refused for their API key, by reason: missing, malformed, unknown.</summary>
    public static readonly Counter AuthFailures = Metrics.CreateCounter(
        "chats_gateway_auth_failures_total", "Calls the gateway refused with UNAUTHENTICATED, by reason (missing, malformed, unknown).",
        new CounterConfiguration { LabelNames = ["reason"] });

    /// <summary>Calls refused over a per-key limit: requests_per_minute, concurrent_generations.</summary>
    public static readonly Counter RateLimited = Metrics.CreateCounter(
        "chats_gateway_rate_limited_total", "Calls the gateway refused with RESOURCE_EXHAUSTED over a per-key limit, by limit.",
        new CounterConfiguration { LabelNames = ["limit"] });
}
