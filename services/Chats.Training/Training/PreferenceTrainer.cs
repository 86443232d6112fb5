using Chats.Training.Diffusion;
using Chats.Training.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Training.Training;

/// <summary>
/// Fine-tunes from a frozen reference network θ_ref (a UNet or an SD3 transformer, see <see cref="DenoiserFamily"/>)
/// on preference pairs with CHATS (θ+ and θ−, both starting as copies of θ_ref), Diffusion-DPO (one θ) or a Table 4
/// variant. One AdamW optimiser holds all trained parameters (θ+ and θ− together for CHATS) and gradients are clipped
/// jointly. Each step runs in its own DisposeScope on the calling thread with gradients enabled; the reference is
/// evaluated under <c>no_grad</c> and never updated.
/// </summary>
/// <remarks>
/// The trainer owns θ+ / θ− (or θ), its optimiser and generator; the reference and the null conditioning stay the
/// caller's. Not thread-safe: drive it from one thread.
/// </remarks>
public sealed class PreferenceTrainer : IDisposable
{
    /// <summary>The <see cref="TrainerState.Trainer"/> tag.</summary>
    public const string TrainerName = "preference";

    private readonly DenoiserNetwork _reference;
    private readonly DenoiserNetwork _win;
    private readonly DenoiserNetwork? _lose;
    private readonly PreferenceObjective _objective;
    private readonly OptimizationState _optimization;

    /// <summary>Creates a trainer whose trained model(s) start as copies of <paramref name="reference"/>.</summary>
    /// <param name="reference">θ_ref, a <see cref="DenoiserFamily"/> network (kept frozen; put in eval mode).</param>
    /// <param name="noising">The forward process (diffusion ε / v, or rectified flow).</param>
    /// <param name="options">Optimiser and seed.</param>
    /// <param name="preference">The objective; default CHATS, β 1000, p_uncond 0.5.</param>
    /// <param name="nullConditioning">Null conditioning for the dispreferred side; null means zeros (see <see cref="PreferenceObjective"/>).</param>
    /// <exception cref="NotSupportedException"><paramref name="reference"/> is no <see cref="DenoiserFamily"/>'s network.</exception>
    public PreferenceTrainer(nn.Module reference, INoisingProcess noising, TrainerOptions options, PreferenceOptions? preference = null, ConditioningBatch? nullConditioning = null)
        : this(reference, noising, options, preference ?? new PreferenceOptions(), nullConditioning, loaded: null)
    {
    }

    private PreferenceTrainer(nn.Module reference, INoisingProcess noising, TrainerOptions options, PreferenceOptions preference, ConditioningBatch? nullConditioning, (nn.Module Win, nn.Module? Lose)? loaded)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(noising);
        ArgumentNullException.ThrowIfNull(options);
        _reference = DenoiserFamily.Network(reference);
        reference.eval();
        Preference = preference;
        _objective = new PreferenceObjective(preference.Method, noising, preference.Beta, preference.PUncond, nullConditioning);
        bool two = PreferenceObjective.UsesTwoModels(preference.Method);

        PolicyWin = loaded?.Win ?? _reference.Copy();
        PolicyLose = two ? loaded?.Lose ?? _reference.Copy() : null;
        _win = DenoiserFamily.Network(PolicyWin);
        _lose = PolicyLose is null ? null : DenoiserFamily.Network(PolicyLose);
        PolicyWin.train();
        PolicyLose?.train();
        _optimization = new OptimizationState(
            PolicyLose is null ? PolicyWin.parameters() : PolicyWin.parameters().Concat(PolicyLose.parameters()), options);
    }

    /// <summary>θ+ for CHATS methods, θ otherwise (of the reference's family).</summary>
    public nn.Module PolicyWin { get; }

    /// <summary>θ− for CHATS methods; null for one-model methods.</summary>
    public nn.Module? PolicyLose { get; }

    /// <summary>The frozen reference θ_ref.</summary>
    public nn.Module Reference => _reference.Module;

    /// <summary>The trained networks' family, which names the checkpoint's components.</summary>
    public DenoiserFamily Family => _reference.Family;

    /// <summary>Optimiser settings.</summary>
    public TrainerOptions Options => _optimization.Options;

    /// <summary>The objective settings.</summary>
    public PreferenceOptions Preference { get; }

    /// <summary>The forward process.</summary>
    public INoisingProcess Noising => _objective.Noising;

    /// <summary>Optimiser steps done.</summary>
    public int Step => _optimization.Step;

    /// <summary>
    /// Continues a run saved by <see cref="SaveCheckpoint"/>: trained networks, AdamW state, generator state and step are
    /// restored, so the continued run matches the uninterrupted one (same thread count, same batches).
    /// </summary>
    /// <param name="folder">The checkpoint folder.</param>
    /// <param name="reference">The same θ_ref the run started from (not stored in the checkpoint); its family names the components read.</param>
    /// <param name="nullConditioning">The same null conditioning as the original run (null: zeros).</param>
    /// <exception cref="InvalidDataException">The folder is not a preference-trainer checkpoint.</exception>
    public static PreferenceTrainer Resume(string folder, nn.Module reference, ConditioningBatch? nullConditioning = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var family = DenoiserFamily.Of(reference);
        var state = TrainingCheckpoint.ReadState(folder, TrainerName);
        if (state.Preference is null)
        {
            throw new InvalidDataException($"{folder}: the {TrainerName} checkpoint records no preference objective");
        }

        bool two = PreferenceObjective.UsesTwoModels(state.Preference.Method);
        foreach (string component in two ? new[] { family.Preferred, family.Dispreferred } : [family.Standard])
        {
            if (!Directory.Exists(Path.Combine(folder, component)))
            {
                throw new InvalidDataException($"{folder}: the {state.Preference.Method} checkpoint has no {component} (the reference is a {family.ClassName})");
            }
        }

        var win = family.Load(Path.Combine(folder, two ? family.Preferred : family.Standard));
        var lose = two ? family.Load(Path.Combine(folder, family.Dispreferred)) : null;
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
        if (_lose is not null)
        {
            _win.Save(Path.Combine(folder, Family.Preferred));
            _lose.Save(Path.Combine(folder, Family.Dispreferred));
        }
        else
        {
            _win.Save(Path.Combine(folder, Family.Standard));
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
        var policyLose = _lose ?? _win;
        return _objective.Compute(
            batch,
            _win.Forward,
            policyLose.Forward,
            PreferenceObjective.UsesReference(Preference.Method) ? _reference.Forward : null,
            generator).Loss;
    }
}
