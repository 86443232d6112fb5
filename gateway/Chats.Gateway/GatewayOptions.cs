using System.ComponentModel.DataAnnotations;

namespace Chats.Gateway;

/// <summary>Gateway settings, section <c>Gateway</c>.</summary>
public sealed record GatewayOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Gateway";

    /// <summary>
    /// Default of <see cref="MaxBufferedRequestBytes"/>: 1 MiB. A GenerateRequest is a prompt and a few numbers (a few
    /// KB); a receive limit on the Generate path should stay at or below this so every accepted request can be retried.
    /// </summary>
    public const int DefaultMaxBufferedRequestBytes = 1 << 20;

    /// <summary>
    /// Sampler addresses (h2c); YARP balances across them. <c>http://host:port</c> is one sampler;
    /// <c>dns:///name:port</c> is every A/AAAA record of the name (a Kubernetes headless Service), re-resolved every
    /// <see cref="DnsRefreshPeriod"/>.
    /// </summary>
    [MinLength(1)]
    public IReadOnlyList<Uri> Samplers { get; init; } = [];

    /// <summary>How often <c>dns:///</c> sampler names are resolved again (10 s).</summary>
    public TimeSpan DnsRefreshPeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The request bytes the gateway keeps so that a call refused by one sampler can be sent to another. A call whose
    /// request is longer still goes through, but is not retried.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int MaxBufferedRequestBytes { get; init; } = DefaultMaxBufferedRequestBytes;

    /// <summary>
    /// When every sampler was full: the wait the gateway suggests in its RESOURCE_EXHAUSTED detail and in the
    /// <c>grpc-retry-pushback-ms</c> trailer (1 s).
    /// </summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Request header that identifies the client for sticky assignment; the peer address is used without it.</summary>
    [Required]
    public string ClientKeyHeader { get; init; } = "x-client-key";

    /// <summary>Experiment salt: changing it reshuffles every client into arms.</summary>
    [Required]
    public string ExperimentSalt { get; init; } = "chats-ab-v1";

    /// <summary>
    /// The A/B arms. Empty (the default) means <see cref="DefaultArms"/>; configuration binding appends to a
    /// non-empty default list instead of replacing it, so the defaults live apart.
    /// </summary>
    public IReadOnlyList<ExperimentArm> Arms { get; init; } = [];

    /// <summary>When false, no arm is assigned and the sampler's default mode applies to requests without a mode.</summary>
    public bool AbSplitEnabled { get; init; } = true;

    /// <summary>The split used when <see cref="Arms"/> is empty: CHATS and CFG, half each.</summary>
    public static IReadOnlyList<ExperimentArm> DefaultArms { get; } =
    [
        new ExperimentArm { Name = "chats", Mode = "chats", Weight = 0.5 },
        new ExperimentArm { Name = "cfg", Mode = "cfg", Weight = 0.5 },
    ];

    /// <summary>The arms in force.</summary>
    public IReadOnlyList<ExperimentArm> EffectiveArms => !AbSplitEnabled ? [] : Arms.Count == 0 ? DefaultArms : Arms;

    /// <summary>Longest a proxied call may stay idle (YARP's ActivityTimeout; its 100 s default caps long generations).</summary>
    public TimeSpan ActivityTimeout { get; init; } = TimeSpan.FromMinutes(15);
}
