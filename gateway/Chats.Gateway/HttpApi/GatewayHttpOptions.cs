using System.ComponentModel.DataAnnotations;

namespace Chats.Gateway.HttpApi;

/// <summary>
/// The gateway's public HTTP/1.1 door (the JSON API and the playground), keys of section <c>Gateway</c> next to
/// <see cref="GatewayOptions"/>: <c>Gateway:HttpApiPort</c> and <c>Gateway:MaxHttpRequestBytes</c>.
/// </summary>
public sealed record GatewayHttpOptions
{
    /// <summary>Configuration section name (shared with <see cref="GatewayOptions"/>).</summary>
    public const string Section = GatewayOptions.Section;

    /// <summary>The configuration key of <see cref="HttpApiPort"/>.</summary>
    public const string HttpApiPortKey = Section + ":" + nameof(HttpApiPort);

    /// <summary>The configuration key of <see cref="MaxHttpRequestBytes"/>.</summary>
    public const string MaxHttpRequestBytesKey = Section + ":" + nameof(MaxHttpRequestBytes);

    /// <summary>
    /// HTTP/1.1 port of the JSON API and the playground, on <c>Endpoints:Host</c>. 0 picks a free port; -1 turns the
    /// HTTP door off (the gRPC port and the metrics port are unaffected).
    /// </summary>
    [Range(-1, 65535)]
    public int HttpApiPort { get; init; }

    /// <summary>
    /// Largest request body the JSON API reads (64 KiB): a request is a prompt and a few numbers. A longer body is
    /// refused with 413 and a JSON error naming this key.
    /// </summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxHttpRequestBytes { get; init; } = 64 * 1024;
}
