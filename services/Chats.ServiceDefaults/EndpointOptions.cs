using System.ComponentModel.DataAnnotations;

namespace Chats.ServiceDefaults;

/// <summary>Where a service listens. Bound from the <c>Endpoints</c> configuration section.</summary>
public sealed record EndpointOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Endpoints";

    /// <summary>Interface to bind (loopback by default; 0.0.0.0 in containers).</summary>
    [Required]
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>gRPC port (HTTP/2 cleartext). 0 picks a free port.</summary>
    [Range(0, 65535)]
    public int GrpcPort { get; init; }

    /// <summary>HTTP/1.1 port for <c>/metrics</c> and <c>/healthz</c>. 0 picks a free port; -1 disables it.</summary>
    [Range(-1, 65535)]
    public int HttpPort { get; init; }
}
