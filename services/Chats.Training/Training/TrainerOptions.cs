namespace Chats.Training.Training;

/// <summary>Optimiser and reproducibility settings shared by the trainers (AdamW with gradient-norm clipping).</summary>
public sealed record TrainerOptions
{
    /// <summary>AdamW learning rate.</summary>
    public double LearningRate { get; init; } = 1e-5;

    /// <summary>AdamW β₁.</summary>
    public double AdamBeta1 { get; init; } = 0.9;

    /// <summary>AdamW β₂.</summary>
    public double AdamBeta2 { get; init; } = 0.999;

    /// <summary>AdamW ε.</summary>
    public double AdamEpsilon { get; init; } = 1e-8;

    /// <summary>AdamW decoupled weight decay.</summary>
    public double WeightDecay { get; init; } = 1e-2;

    /// <summary>Gradients are clipped to this total L2 norm over all trained parameters; null disables clipping.</summary>
    public double? MaxGradNorm { get; init; } = 1.0;

    /// <summary>
    /// Seed of the trainer's own generator (t, noise and p_uncond draws) and of the global torch RNG at each step
    /// (seeded with Seed + step, so any global-RNG op is reproducible across resume). On the CPU, runs are bit-identical
    /// only with the same libtorch thread count (<c>torch.set_num_threads</c>), since reductions split by thread.
    /// </summary>
    public long Seed { get; init; }
}
