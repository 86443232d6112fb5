namespace Chats.Training.Training;

/// <summary>The contents of <c>trainer_state.json</c>: where the run is, its RNG state and its hyper-parameters.</summary>
public sealed record TrainerState
{
    /// <summary>"denoiser" or "preference".</summary>
    public required string Trainer { get; init; }

    /// <summary>Optimiser steps done.</summary>
    public required int Step { get; init; }

    /// <summary>The trainer generator's seed.</summary>
    public required long Seed { get; init; }

    /// <summary>The trainer generator's full state (libtorch CPU generator bytes, base64), so a resume draws what the run would have drawn.</summary>
    public required string GeneratorState { get; init; }

    /// <summary>Optimiser hyper-parameters.</summary>
    public required TrainerOptions Options { get; init; }

    /// <summary>The forward process (null for trainers without one, such as the VAE trainer).</summary>
    public NoisingState? Noising { get; init; }

    /// <summary>The preference objective (preference trainer only).</summary>
    public PreferenceOptions? Preference { get; init; }

    /// <summary>Whether the text encoder is trained jointly (denoiser trainer only).</summary>
    public bool TrainsTextEncoder { get; init; }

    /// <summary>Whether <c>optimizer.bin</c> holds the optimiser state.</summary>
    public bool HasOptimizerState { get; init; }

    /// <summary>Unused by the trainers; lets a caller note what a CLI or data loader needs to continue (e.g. a data cursor).</summary>
    public string? Note { get; init; }
}
