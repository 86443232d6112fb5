using Chats.Core.Sampling;
using Chats.Inference.Models.UNet2DCondition;
using Chats.Training.Diffusion;
using Chats.Training.Losses;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Training.Training;

/// <summary>
/// Fine-tunes from a frozen reference UNet θ_ref on preference pairs with CHATS (θ+ and θ−, both starting as copies
/// of θ_ref), Diffusion-DPO (one θ) or a Table 4 variant. One AdamW optimiser holds all trained parameters (θ+ and θ−
/// together for CHATS) and gradients are clipped jointly. Each step runs in its own DisposeScope on the calling
/// thread with gradients enabled; the reference is evaluated under <c>no_grad</c> and never updated.
/// </summary>
/// <remarks>
/// The trainer owns θ+ / θ− (or θ), its optimiser and generator; the reference and the null conditioning stay the
/// caller's. Not thread-safe: drive it from one thread.
/// </remarks>
public sealed class PreferenceTrainer : IDisposable
{
    /// <summary>The <see cref="TrainerState.Trainer"/> tag.</summary>
    public const string TrainerName = "preference";

    private readonly UNet2DConditionModel _reference;
    private readonly PreferenceObjective _objective;
    private readonly OptimizationState _optimization;

    /// <summary>Creates a trainer whose trained model(s) start as copies of <paramref name="reference"/>.</summary>
    /// <param name="reference">θ_ref (kept frozen; put in eval mode).</param>
    /// <param name="noising">The forward process (diffusion ε / v, or rectified flow).</param>
    /// <param name="options">Optimiser and seed.</param>
    /// <param name="preference">The objective; default CHATS, β 1000, p_uncond 0.5.</param>
    /// <param name="nullConditioning">Null conditioning for the dispreferred side; null means zeros (see <see cref="PreferenceObjective"/>).</param>
    public PreferenceTrainer(UNet2DConditionModel reference, INoisingProcess noising, TrainerOptions options, PreferenceOptions? preference = null, Tensor? nullConditioning = null)
        : this(reference, noising, options, preference ?? new PreferenceOptions(), nullConditioning, loaded: null)
    {
    }

    private PreferenceTrainer(UNet2DConditionModel reference, INoisingProcess noising, TrainerOptions options, PreferenceOptions preference, Tensor? nullConditioning, (UNet2DConditionModel Win, UNet2DConditionModel? Lose)? loaded)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(noising);
        ArgumentNullException.ThrowIfNull(options);
        _reference = reference;
        _reference.eval();
        Preference = preference;
        _objective = new PreferenceObjective(preference.Method, noising, preference.Beta, preference.PUncond, nullConditioning);
        bool two = PreferenceObjective.UsesTwoModels(preference.Method);

        PolicyWin = loaded?.Win ?? ModelCopies.Copy(reference);
        PolicyLose = two ? loaded?.Lose ?? ModelCopies.Copy(reference) : null;
        PolicyWin.train();
        PolicyLose?.train();
        _optimization = new OptimizationState(
            PolicyLose is null ? PolicyWin.parameters() : PolicyWin.parameters().Concat(PolicyLose.parameters()), options);
    }

    /// <summary>θ+ for CHATS methods, θ otherwise.</summary>
    public UNet2DConditionModel PolicyWin { get; }

    /// <summary>θ− for CHATS methods; null for one-model methods.</summary>
    public UNet2DConditionModel? PolicyLose { get; }

    /// <summary>The frozen reference θ_ref.</summary>
    public UNet2DConditionModel Reference => _reference;

    /// <summary>Optimiser settings.</summary>
    public TrainerOptions Options => _optimization.Options;

    /// <summary>The objective settings.</summary>
    public PreferenceOptions Preference { get; }

    /// <summary>The forward process.</summary>
    public INoisingProcess Noising => _objective.Noising;

    /// <summary>Optimiser steps done.</summary>
    public int Step => _optimization.Step;

    /// <summary>
    /// Continues a run saved by <see cref="SaveCheckpoint"/>: trained UNets, AdamW state, generator state and step are
    /// restored, so the continued run matches the uninterrupted one (same thread count, same batches).
    /// </summary>
    /// <param name="folder">The checkpoint folder.</param>
    /// <param name="reference">The same θ_ref the run started from (not stored in the checkpoint).</param>
    /// <param name="nullConditioning">The same null conditioning as the original run (null: zeros).</param>
    /// <exception cref="InvalidDataException">The folder is not a preference-trainer checkpoint.</exception>
    public static PreferenceTrainer Resume(string folder, UNet2DConditionModel reference, Tensor? nullConditioning = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var state = TrainingCheckpoint.ReadState(folder, TrainerName);
        if (state.Preference is null)
        {
            throw new InvalidDataException($"{folder}: the {TrainerName} checkpoint records no preference objective");
        }

        bool two = PreferenceObjective.UsesTwoModels(state.Preference.Method);
        var win = UNet2DConditionModel.Load(Path.Combine(folder, two ? DenoiserComponents.Preferred : DenoiserComponents.Standard));
        var lose = two ? UNet2DConditionModel.Load(Path.Combine(folder, DenoiserComponents.Dispreferred)) : null;
        var trainer = new PreferenceTrainer(reference, (state.Noising ?? throw new InvalidDataException($"{folder}: the checkpoint records no forward process")).Create(), state.Options, state.Preference, nullConditioning, (win, lose));
        try
        {
            trainer._optimization.Restore(folder, state);
            return trainer;
        }
        catch
        {
            trainer.Dispose();
            throw;
        }
    }

    /// <summary>One optimiser step on <paramref name="batch"/>; returns the loss.</summary>
    public float TrainStep(PreferenceBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return _optimization.TakeStep(generator => Loss(batch, generator));
    }

    /// <summary>
    /// The objective on <paramref name="batch"/> without updating anything: the mean loss over <paramref name="draws"/>
    /// draws of (p_uncond, t, noise) from a fresh generator seeded with <paramref name="seed"/> (a fixed validation
    /// loss; the trainer's own generator is not advanced).
    /// </summary>
    public float Evaluate(PreferenceBatch batch, long seed, int draws = 1)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return OptimizationState.Evaluate(seed, draws, generator => Loss(batch, generator));
    }

    /// <summary>
    /// Trains until <see cref="Step"/> reaches <paramref name="untilStep"/>; <paramref name="batches"/> gets the step
    /// index (so a resumed run asks for the batches the uninterrupted one would have used). <paramref name="progress"/>
    /// is called synchronously on this thread after each step.
    /// </summary>
    public void Train(Func<int, PreferenceBatch> batches, int untilStep, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batches);
        TrainingLoop.Run(() => Step, () => TrainStep(batches(Step)), untilStep, progress, cancellationToken);
    }

    /// <summary>Writes the checkpoint folder described by <see cref="TrainingCheckpoint"/>.</summary>
    public void SaveCheckpoint(string folder)
    {
        Directory.CreateDirectory(folder);
        if (PolicyLose is not null)
        {
            PolicyWin.Save(Path.Combine(folder, DenoiserComponents.Preferred));
            PolicyLose.Save(Path.Combine(folder, DenoiserComponents.Dispreferred));
        }
        else
        {
            PolicyWin.Save(Path.Combine(folder, DenoiserComponents.Standard));
        }

        TrainingCheckpoint.WriteState(folder, _optimization.Save(folder, TrainerName, Noising) with { Preference = Preference });
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _optimization.Dispose();
        PolicyWin.Dispose();
        PolicyLose?.Dispose();
    }

    // The objective's loss for one draw of (p_uncond, t, noise) from generator; θ− falls back to θ for one-model methods.
    private Tensor Loss(PreferenceBatch batch, Generator generator)
    {
        var policyLose = PolicyLose ?? PolicyWin;
        return _objective.Compute(
            batch,
            (z, t, c) => PolicyWin.forward(z, t, c),
            (z, t, c) => policyLose.forward(z, t, c),
            PreferenceObjective.UsesReference(Preference.Method) ? (z, t, c) => _reference.forward(z, t, c) : null,
            generator).Loss;
    }
}
