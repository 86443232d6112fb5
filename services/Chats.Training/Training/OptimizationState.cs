using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Training.Training;

/// <summary>
/// The mechanics every trainer shares: AdamW over the trained parameters, the trainer's own generator, the step
/// counter, one optimiser step (DisposeScope, seeded global RNG, joint gradient clipping), seeded evaluation, and
/// saving / restoring the optimiser and generator state so a resumed run matches an uninterrupted one.
/// </summary>
internal sealed class OptimizationState : IDisposable
{
    private readonly List<Parameter> _parameters;
    private readonly AdamW _optimizer;
    private readonly Generator _generator;

    public OptimizationState(IEnumerable<Parameter> parameters, TrainerOptions options)
    {
        Options = options;
        _parameters = [.. parameters];
        _optimizer = optim.AdamW(_parameters, options.LearningRate, options.AdamBeta1, options.AdamBeta2, options.AdamEpsilon, options.WeightDecay);
        _generator = new Generator((ulong)options.Seed);
    }

    public TrainerOptions Options { get; }

    public int Step { get; private set; }

    /// <summary>One optimiser step on the loss <paramref name="loss"/> computes from the trainer's generator; returns it.</summary>
    public float TakeStep(Func<Generator, Tensor> loss)
    {
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        manual_seed(Options.Seed + Step);
        _optimizer.zero_grad();
        var value = loss(_generator);
        value.backward();
        if (Options.MaxGradNorm is double norm)
        {
            nn.utils.clip_grad_norm_(_parameters, norm);
        }

        _optimizer.step();
        Step++;
        return value.item<float>();
    }

    /// <summary>The mean loss over <paramref name="draws"/> draws from a fresh generator seeded with <paramref name="seed"/>; no update, the trainer's generator untouched.</summary>
    public static float Evaluate(long seed, int draws, Func<Generator, Tensor> loss)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(draws, 1);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)seed);
        double total = 0;
        for (int i = 0; i < draws; i++)
        {
            total += loss(generator).item<float>();
        }

        return (float)(total / draws);
    }

    /// <summary>Writes <c>optimizer.bin</c> and returns the state fields this class owns, for <c>trainer_state.json</c>.</summary>
    public TrainerState Save(string folder, string trainerName, Diffusion.INoisingProcess? noising)
    {
        _optimizer.save_state_dict(Path.Combine(folder, TrainingCheckpoint.OptimizerFileName));
        return new TrainerState
        {
            Trainer = trainerName,
            Step = Step,
            Seed = Options.Seed,
            GeneratorState = TrainingCheckpoint.EncodeGeneratorState(_generator),
            Options = Options,
            Noising = noising is null ? null : NoisingState.From(noising),
            HasOptimizerState = true,
        };
    }

    /// <summary>Restores optimiser state, generator state and step from a checkpoint folder.</summary>
    public void Restore(string folder, TrainerState state)
    {
        if (state.HasOptimizerState)
        {
            _optimizer.load_state_dict(Path.Combine(folder, TrainingCheckpoint.OptimizerFileName));
        }

        TrainingCheckpoint.RestoreGeneratorState(_generator, state.GeneratorState);
        Step = state.Step;
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _generator.Dispose();
    }
}
