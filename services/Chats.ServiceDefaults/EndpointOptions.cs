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

    /// <summary>
    /// On SIGTERM, how long calls already running may take to finish (new ones are refused with UNAVAILABLE and health
    /// reports NOT_SERVING meanwhile); calls still running then end with UNAVAILABLE. Longer than a typical generation,
    /// and shorter than Kubernetes' terminationGracePeriodSeconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan DrainTimeout { get; init; } = DefaultDrainTimeout;

    /// <summary>The default <see cref="DrainTimeout"/>.</summary>
    public static readonly TimeSpan DefaultDrainTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Largest request message in bytes the service reads; a larger one is refused with RESOURCE_EXHAUSTED from its
    /// 5-byte length prefix, before its body is read. Unset: the service's own default, sized to its largest legitimate
    /// message (<see cref="DefaultMaxReceiveMessageSize"/> for the sampler, the text encoder and the gateway; the
    /// denoiser and the decoder derive theirs from their model and limits).
    /// </summary>
    [Range(1024, int.MaxValue)]
    public int? MaxReceiveMessageSize { get; init; }

    /// <summary>1 MiB: a GenerateRequest or EncodeRequest is prompts and a few numbers (kilobytes).</summary>
    public const int DefaultMaxReceiveMessageSize = 1 << 20;

    /// <summary>The configuration key of <see cref="MaxReceiveMessageSize"/> (named in refusals).</summary>
    public const string MaxReceiveMessageSizeKey = Section + ":" + nameof(MaxReceiveMessageSize);
}
