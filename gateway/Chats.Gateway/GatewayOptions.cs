using System.ComponentModel.DataAnnotations;

namespace Chats.Gateway;

/// <summary>Gateway settings, section <c>Gateway</c>.</summary>
public sealed record GatewayOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Gateway";

    /// <summary>Sampler addresses (h2c); YARP balances across them.</summary>
    [MinLength(1)]
    public IReadOnlyList<Uri> Samplers { get; init; } = [];

    /// <summary>Request header that identifies the client for sticky assignment; the peer address is used without it.</summary>
    [Required]
    public string ClientKeyHeader { get; init; } = "x-client-key";

    /// <summary>Experiment salt: changing it reshuffles every client into arms.</summary>
    [Required]
    public string ExperimentSalt { get; init; } = "chats-ab-v1";

    /// <summary>The A/B arms; empty means no split (the sampler's default mode applies).</summary>
    public IReadOnlyList<ExperimentArm> Arms { get; init; } =
    [
        new ExperimentArm { Name = "chats", Mode = "chats", Weight = 0.5 },
        new ExperimentArm { Name = "cfg", Mode = "cfg", Weight = 0.5 },
    ];

    /// <summary>Longest a proxied call may stay idle (YARP's ActivityTimeout; its 100 s default caps long generations).</summary>
    public TimeSpan ActivityTimeout { get; init; } = TimeSpan.FromMinutes(15);
}
