using System.ComponentModel.DataAnnotations;
using Chats.Core.Guidance;
using Chats.Core.Replicas;
using Chats.Core.Sampling;
using Chats.Core.Tensors;

namespace Chats.Sampler;

/// <summary>Sampler settings, section <c>Sampler</c>.</summary>
public sealed record SamplerOptions : IValidatableObject
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Sampler";

    // The request bounds below default to Core's, so the sampler and the in-process pipeline agree.
    private static readonly SamplingLimits s_limits = new();

    /// <summary>Pipeline folder; the sampler reads only <c>scheduler/scheduler_config.json</c> from it.</summary>
    [Required]
    public string ModelPath { get; init; } = string.Empty;

    // A key bound to null (a role the local system does not run) reads as no replicas, not as a null list.

    /// <summary>Text-encoder replicas (see <see cref="ReplicaAddresses"/>); at least one.</summary>
    public ReplicaAddresses TextEncoder { get; init => field = value ?? []; } = [];

    /// <summary>θ+ denoiser replicas; required for CHATS modes.</summary>
    public ReplicaAddresses Preferred { get; init => field = value ?? []; } = [];

    /// <summary>θ− denoiser replicas; required for CHATS modes.</summary>
    public ReplicaAddresses Dispreferred { get; init => field = value ?? []; } = [];

    /// <summary>Standard denoiser replicas for CFG; CFG falls back to θ+ when none.</summary>
    public ReplicaAddresses Standard { get; init => field = value ?? []; } = [];

    /// <summary>Decoder replicas; at least one.</summary>
    public ReplicaAddresses Decoder { get; init => field = value ?? []; } = [];

    /// <summary>How often <c>dns:///</c> addresses are resolved again (replicas come and go).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan DnsRefreshInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Attempts, backoff and cooldown when a replica fails (section <c>Sampler:Failover</c>).</summary>
    public ReplicaRetryPolicy Failover { get; init; } = new();

    /// <summary>Mode used when neither the request nor the gateway's A/B arm names one.</summary>
    public GuidanceMode DefaultMode { get; init; } = s_limits.DefaultMode;

    /// <summary>Steps used when a request gives none.</summary>
    [Range(1, 1000)]
    public int DefaultSteps { get; init; } = s_limits.DefaultSteps;

    /// <summary>Largest steps value accepted.</summary>
    [Range(1, 1000)]
    public int MaxSteps { get; init; } = s_limits.MaxSteps;

    /// <summary>Images per request.</summary>
    [Range(1, 64)]
    public int MaxImages { get; init; } = s_limits.MaxImages;

    /// <summary>
    /// dtype of the per-step tensors between the sampler and the denoisers (<c>float32</c>, <c>float16</c>,
    /// <c>bfloat16</c>): the latents it sends and, through the session's dtype, the predictions it gets back. 16-bit
    /// halves those bytes and rounds every step's tensors; the conditionings of a session stay fp32 (sent once).
    /// </summary>
    [WireDType(Section)]
    public string WireDtype { get; init; } = "float32";

    /// <summary>The parsed <see cref="WireDtype"/> (valid once the options passed validation).</summary>
    public WireDType ParsedWireDtype() => WireDTypeNames.Parse(WireDtype);

    /// <summary>Generations running at once; more get RESOURCE_EXHAUSTED.</summary>
    [Range(1, 10_000)]
    public int MaxConcurrentGenerations { get; init; } = 32;

    /// <summary>The roles by configuration key, in a fixed order.</summary>
    public IEnumerable<(string Key, string Role, ReplicaAddresses Addresses)> Roles()
    {
        yield return ($"{Section}:{nameof(TextEncoder)}", "text-encoder", TextEncoder);
        yield return ($"{Section}:{nameof(Preferred)}", "preferred", Preferred);
        yield return ($"{Section}:{nameof(Dispreferred)}", "dispreferred", Dispreferred);
        yield return ($"{Section}:{nameof(Standard)}", "standard", Standard);
        yield return ($"{Section}:{nameof(Decoder)}", "decoder", Decoder);
    }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (key, _, addresses) in Roles())
        {
            if (addresses.Parse(key).Error is { } error)
            {
                yield return new ValidationResult(error, [key]);
            }
        }

        foreach (var (key, addresses) in new[] { ($"{Section}:{nameof(TextEncoder)}", TextEncoder), ($"{Section}:{nameof(Decoder)}", Decoder) })
        {
            if (addresses.Count == 0)
            {
                yield return new ValidationResult($"{key}: an address is required (http://host:port or dns:///host:port)", [key]);
            }
        }

        if (Preferred.Count == 0 && Standard.Count == 0)
        {
            yield return new ValidationResult($"{Section}:{nameof(Preferred)} or {Section}:{nameof(Standard)}: at least one denoiser role needs an address", [nameof(Preferred)]);
        }

        string? policy = null;
        try
        {
            Failover.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            policy = $"{Section}:{nameof(Failover)}:{e.ParamName}: {e.Message.Split(" (Parameter", 2)[0]}";
        }

        if (policy is not null)
        {
            yield return new ValidationResult(policy, [nameof(Failover)]);
        }
    }
}
