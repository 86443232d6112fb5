namespace Chats.Tools;

/// <summary>What <see cref="TinyPipelineBuilder.Create(string, TinyPipelineOptions)"/> writes.</summary>
public sealed record TinyPipelineOptions
{
    /// <summary>The default weight seed (the one every test and the CLI's default model use).</summary>
    public const long DefaultSeed = 20260101;

    /// <summary>The UNets' shape.</summary>
    public TinyPipelinePreset Preset { get; init; } = TinyPipelinePreset.Tiny;

    /// <summary>Weight seed; the same seed and options write byte-identical files.</summary>
    public long Seed { get; init; } = DefaultSeed;

    /// <summary>
    /// Latent side instead of the preset's (the default image side is this times the VAE's factor of 4); null keeps the
    /// preset's. Lets a test build the SD1.5 shape at a size that runs in milliseconds.
    /// </summary>
    public int? SampleSize { get; init; }
}
