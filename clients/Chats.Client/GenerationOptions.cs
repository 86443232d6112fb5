using Chats.Protos.V1;

namespace Chats.Client;

/// <summary>
/// The settings of a generation besides its prompt, for <see cref="IChatsClient.GenerateAsync(string, GenerationOptions?, IProgress{GenerationProgress}?, CancellationToken)"/>.
/// Null (the default of each) leaves the choice to the service.
/// </summary>
public sealed record GenerationOptions
{
    /// <summary>CFG, CHATS or CHATS full; null lets the gateway's A/B split (or the sampler's default) choose.</summary>
    public GuidanceMode? Mode { get; init; }

    /// <summary>The ∅ of the guidance formulas; null for the encoded empty prompt.</summary>
    public string? NegativePrompt { get; init; }

    /// <summary>Image width in pixels (a multiple of the model's spatial factor); null for the model's default.</summary>
    public int? Width { get; init; }

    /// <summary>Image height in pixels (a multiple of the model's spatial factor); null for the model's default.</summary>
    public int? Height { get; init; }

    /// <summary>Denoising steps; null for the default.</summary>
    public int? Steps { get; init; }

    /// <summary>Seed of the initial noise (image k uses seed + k); null for 0.</summary>
    public ulong? Seed { get; init; }

    /// <summary>Guidance s in the paper's convention (diffusers' guidance_scale w = s + 1); null for the default.</summary>
    public float? GuidanceScale { get; init; }

    /// <summary>CHATS α; null for the default.</summary>
    public float? Alpha { get; init; }

    /// <summary>The scheduler; null for the model's own.</summary>
    public SchedulerType? Scheduler { get; init; }

    /// <summary>Images to generate; null for 1.</summary>
    public int? NumImages { get; init; }

    /// <summary>The request these settings describe, for <paramref name="prompt"/>.</summary>
    public GenerateRequest ToRequest(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var request = new GenerateRequest
        {
            Prompt = prompt,
            NegativePrompt = NegativePrompt ?? string.Empty,
            Width = Width ?? 0,
            Height = Height ?? 0,
            Steps = Steps ?? 0,
            Seed = Seed ?? 0,
            Mode = Mode ?? GuidanceMode.Unspecified,
            Scheduler = Scheduler ?? SchedulerType.Unspecified,
            NumImages = NumImages ?? 0,
        };
        if (GuidanceScale is { } scale)
        {
            request.GuidanceScale = scale;
        }

        if (Alpha is { } alpha)
        {
            request.Alpha = alpha;
        }

        return request;
    }
}
