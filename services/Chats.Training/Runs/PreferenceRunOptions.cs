using Chats.Training.Losses;

namespace Chats.Training.Runs;

/// <summary>Settings of a <see cref="PreferenceRun"/>: what to fine-tune, on which pairs, how, and where to write it.</summary>
public sealed record PreferenceRunOptions
{
    /// <summary>
    /// The reference pipeline folder (diffusers layout); its <c>unet</c>, or <c>unet_win</c> if it has none, is θ_ref
    /// (<c>transformer</c> or <c>transformer_win</c> for SD3, see <see cref="Training.DenoiserFamily"/>).
    /// </summary>
    public required string ReferenceModel { get; init; }

    /// <summary>The preference data: a folder holding <c>pairs.jsonl</c>, or a <c>.parquet</c> file (see docs/preference-data.md).</summary>
    public required string Data { get; init; }

    /// <summary>The output folder: checkpoint and a complete pipeline, rewritten at every checkpoint; a run resumes from it.</summary>
    public required string Output { get; init; }

    /// <summary>The objective.</summary>
    public PreferenceMethod Method { get; init; } = PreferenceMethod.Chats;

    /// <summary>β of the preference losses.</summary>
    public double Beta { get; init; } = 1000;

    /// <summary>Probability that a step's dispreferred side uses the null conditioning (CHATS methods).</summary>
    public double PUncond { get; init; } = 0.5;

    /// <summary>The null conditioning used with <see cref="PUncond"/>.</summary>
    public NullConditioningKind NullConditioning { get; init; } = NullConditioningKind.Zeros;

    /// <summary>AdamW learning rate.</summary>
    public double LearningRate { get; init; } = 1e-5;

    /// <summary>Pairs per optimiser step.</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>The optimiser step the run ends at (counting steps done before a resume).</summary>
    public int Steps { get; init; } = 1000;

    /// <summary>Write the checkpoint and pipeline every this many steps (and always at the end).</summary>
    public int CheckpointEvery { get; init; } = 500;

    /// <summary>Seed of the trainer (t, noise, p_uncond draws) and of the per-epoch shuffle of the pairs.</summary>
    public long Seed { get; init; }

    /// <summary>
    /// Square image side the pairs are centre-cropped and resized to before VAE encoding; null: the denoiser's
    /// <c>sample_size</c> × the VAE's spatial factor, or the VAE's <c>sample_size</c> when the denoiser has none.
    /// </summary>
    public int? Resolution { get; init; }

    /// <summary>
    /// libtorch intra-op threads for the training loop (null: libtorch's default). A resumed run is bit-identical to
    /// an uninterrupted one only with the same count.
    /// </summary>
    public int? TorchThreads { get; init; }
}
