namespace Chats.Training.Runs;

/// <summary>Settings of a <see cref="ShapesBaseRun"/>: the ShapesEval base pipeline trained from scratch.</summary>
public sealed record BaseRunOptions
{
    /// <summary>The output folder: the finished pipeline (diffusers layout), with the stages' checkpoints under <c>training/</c>.</summary>
    public required string Output { get; init; }

    /// <summary>Rendered training scenes (prompts of the grammar, categories uniform).</summary>
    public int Scenes { get; init; } = 40_000;

    /// <summary>VAE optimiser steps.</summary>
    public int VaeSteps { get; init; } = 1_000;

    /// <summary>Images per VAE step.</summary>
    public int VaeBatchSize { get; init; } = 32;

    /// <summary>VAE learning rate.</summary>
    public double VaeLearningRate { get; init; } = 1e-3;

    /// <summary>UNet + text encoder optimiser steps.</summary>
    public int DenoiserSteps { get; init; } = 6_000;

    /// <summary>Images per UNet step.</summary>
    public int DenoiserBatchSize { get; init; } = 32;

    /// <summary>UNet + text encoder learning rate.</summary>
    public double DenoiserLearningRate { get; init; } = 4e-4;

    /// <summary>Fraction of training captions replaced by the empty prompt, so the model learns the unconditional prediction CFG needs.</summary>
    public double EmptyCaptionRate { get; init; } = 0.1;

    /// <summary>The UNet's size; <see cref="ShapesUNetSize.Default"/> is the lab's (and the shipped models') UNet. A resumed run must ask for the size it started with.</summary>
    public ShapesUNetSize UNetSize { get; init; } = ShapesUNetSize.Default;

    /// <summary>Rectified flow (v = ε − x, flow-match Euler scheduler) instead of ε-prediction diffusion (DDIM).</summary>
    public bool FlowMatching { get; init; }

    /// <summary>Write checkpoints (and, in the UNet stage, the pipeline) every this many steps.</summary>
    public int CheckpointEvery { get; init; } = 250;

    /// <summary>Seed of the scenes, the batches and the trainers.</summary>
    public int Seed { get; init; }

    /// <summary>libtorch threads for training; resumes are bit-identical only with the same count.</summary>
    public int? TorchThreads { get; init; }
}
