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
}
