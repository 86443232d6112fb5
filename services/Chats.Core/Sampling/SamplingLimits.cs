using Chats.Core.Guidance;

namespace Chats.Core.Sampling;

/// <summary>Bounds and defaults the sampler enforces on requests.</summary>
public sealed record SamplingLimits
{
    /// <summary>Steps used when a request gives none.</summary>
    public int DefaultSteps { get; init; } = 20;

    /// <summary>Inclusive step range.</summary>
    public int MinSteps { get; init; } = 1;

    /// <inheritdoc cref="MinSteps"/>
    public int MaxSteps { get; init; } = 150;

    /// <summary>Largest width or height in pixels.</summary>
    public int MaxSide { get; init; } = 2048;

    /// <summary>Images per request.</summary>
    public int MaxImages { get; init; } = 4;

    /// <summary>Inclusive range of the guidance scale s (paper convention).</summary>
    public float MaxGuidanceScale { get; init; } = 30f;

    /// <summary>Inclusive range of α.</summary>
    public float MinAlpha { get; init; }

    /// <inheritdoc cref="MinAlpha"/>
    public float MaxAlpha { get; init; } = 2f;

    /// <summary>Longest prompt in characters (the tokenizer truncates to 77 tokens anyway).</summary>
    public int MaxPromptLength { get; init; } = 2000;

    /// <summary>Guidance scale s per mode when a request gives none; a mode not listed uses <see cref="GuidanceParameters.DefaultScale"/>.</summary>
    public IReadOnlyDictionary<GuidanceMode, float> DefaultGuidanceScales { get; init; } = new Dictionary<GuidanceMode, float>();

    /// <summary>α when a request gives none.</summary>
    public float DefaultAlpha { get; init; } = GuidanceParameters.DefaultAlpha;

    /// <summary>Mode used when neither the request nor the A/B split names one.</summary>
    public GuidanceMode DefaultMode { get; init; } = GuidanceMode.Chats;
}
