using System.ComponentModel.DataAnnotations;
using Chats.Core.Guidance;
using Chats.Core.Sampling;
using Chats.Core.Tensors;
using Chats.ServiceDefaults;

namespace Chats.Sampler;

/// <summary>Sampler settings, section <c>Sampler</c>.</summary>
public sealed record SamplerOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Sampler";

    // The request bounds below default to Core's, so the sampler and the in-process pipeline agree.
    private static readonly SamplingLimits s_limits = new();

    /// <summary>Pipeline folder; the sampler reads only <c>scheduler/scheduler_config.json</c> from it.</summary>
    [Required]
    public string ModelPath { get; init; } = string.Empty;

    /// <summary>Text-encoder service address (http://host:port, h2c).</summary>
    [Required]
    [ServiceAddress(Section)]
    public Uri? TextEncoder { get; init; }

    /// <summary>θ+ denoiser address; required for CHATS modes.</summary>
    public Uri? Preferred { get; init; }

    /// <summary>θ− denoiser address; required for CHATS modes.</summary>
    public Uri? Dispreferred { get; init; }

    /// <summary>Standard denoiser address for CFG; CFG falls back to θ+ when unset.</summary>
    public Uri? Standard { get; init; }

    /// <summary>Decoder service address.</summary>
    [Required]
    [ServiceAddress(Section)]
    public Uri? Decoder { get; init; }

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
}
