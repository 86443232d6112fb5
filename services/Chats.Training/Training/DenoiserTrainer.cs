using Chats.Core.Models.Clip;
using Chats.Core.Models.UNet2DCondition;
using Chats.Training.Diffusion;
using Chats.Training.Losses;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Training.Training;

/// <summary>
/// Standard denoiser training (diffusion ε / v or rectified flow) of a UNet, optionally with the CLIP text encoder
/// trained jointly. Inputs are pre-encoded VAE latents (the VAE stays frozen outside the trainer). AdamW over all
/// trained parameters, joint gradient clipping, one DisposeScope per step; draws (t, then noise) come from the
/// trainer's generator. The models are the caller's (trained in place), except those loaded by <see cref="Resume"/>.
/// </summary>
public sealed class DenoiserTrainer : IDisposable
{
    /// <summary>The <see cref="TrainerState.Trainer"/> tag.</summary>
    public const string TrainerName = "denoiser";

    private readonly List<Parameter> _parameters;
    private readonly AdamW _optimizer;
    private readonly Generator _generator;
    private readonly bool _ownsModels;

    /// <summary>Creates the trainer.</summary>
    /// <param name="unet">The UNet to train (in place).</param>
    /// <param name="noising">The forward process.</param>
    /// <param name="options">Optimiser and seed.</param>
    /// <param name="textEncoder">When given, trained jointly; batches then carry token ids.</param>
    public DenoiserTrainer(UNet2DConditionModel unet, INoisingProcess noising, TrainerOptions options, ClipTextModel? textEncoder = null)
        : this(unet, noising, options, textEncoder, ownsModels: false)
    {
    }

    private DenoiserTrainer(UNet2DConditionModel unet, INoisingProcess noising, TrainerOptions options, ClipTextModel? textEncoder, bool ownsModels)
    {
        ArgumentNullException.ThrowIfNull(unet);
        ArgumentNullException.ThrowIfNull(noising);
        ArgumentNullException.ThrowIfNull(options);
        UNet = unet;
        TextEncoder = textEncoder;
        Noising = noising;
        Options = options;
        _ownsModels = ownsModels;
        UNet.train();
        TextEncoder?.train();
        _parameters = [.. unet.parameters()];
        if (textEncoder is not null)
        {
            _parameters.AddRange(textEncoder.parameters());
        }

        _optimizer = optim.AdamW(_parameters, options.LearningRate, options.AdamBeta1, options.AdamBeta2, options.AdamEpsilon, options.WeightDecay);
        _generator = new Generator((ulong)options.Seed);
    }

    /// <summary>The trained UNet.</summary>
    public UNet2DConditionModel UNet { get; }

    /// <summary>The jointly trained text encoder, if any.</summary>
    public ClipTextModel? TextEncoder { get; }

    /// <summary>The forward process.</summary>
    public INoisingProcess Noising { get; }

    /// <summary>Optimiser settings.</summary>
    public TrainerOptions Options { get; }

    /// <summary>Optimiser steps done.</summary>
    public int Step { get; private set; }

    /// <summary>Continues a run saved by <see cref="SaveCheckpoint"/> (models, AdamW state, generator state, step); the trainer owns the loaded models.</summary>
    /// <exception cref="InvalidDataException">The folder is not a denoiser-trainer checkpoint.</exception>
    public static DenoiserTrainer Resume(string folder)
    {
        var state = TrainingCheckpoint.ReadState(folder);
        if (state.Trainer != TrainerName)
        {
            throw new InvalidDataException($"{folder}: not a {TrainerName} checkpoint (trainer '{state.Trainer}')");
        }

        var unet = UNet2DConditionModel.Load(Path.Combine(folder, TrainingCheckpoint.UNet));
        var text = state.TrainsTextEncoder ? ClipTextModel.Load(Path.Combine(folder, TrainingCheckpoint.TextEncoder)) : null;
        var trainer = new DenoiserTrainer(unet, state.Noising.Create(), state.Options, text, ownsModels: true);
        try
        {
            if (state.HasOptimizerState)
            {
                trainer._optimizer.load_state_dict(Path.Combine(folder, TrainingCheckpoint.OptimizerFileName));
            }

            TrainingCheckpoint.RestoreGeneratorState(trainer._generator, state.GeneratorState);
            trainer.Step = state.Step;
            return trainer;
        }
        catch
        {
            trainer.Dispose();
            throw;
        }
    }

    /// <summary>One optimiser step; returns the loss (mean of per-sample MSE).</summary>
    public float TrainStep(DenoiserBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        manual_seed(Options.Seed + Step);
        _optimizer.zero_grad();
        using var loss = Loss(batch, _generator);
        loss.backward();
        ModelCopies.ClipGradients(_parameters, Options.MaxGradNorm);
        _optimizer.step();
        Step++;
        return loss.item<float>();
    }

    /// <summary>The loss on <paramref name="batch"/> for <paramref name="draws"/> draws from a fresh generator seeded with <paramref name="seed"/>; no update.</summary>
    public float Evaluate(DenoiserBatch batch, long seed, int draws = 1)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentOutOfRangeException.ThrowIfLessThan(draws, 1);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)seed);
        double total = 0;
        for (int i = 0; i < draws; i++)
        {
            total += Loss(batch, generator).item<float>();
        }

        return (float)(total / draws);
    }

    /// <summary>Trains until <see cref="Step"/> reaches <paramref name="untilStep"/>; see <see cref="PreferenceTrainer.Train"/>.</summary>
    public void Train(Func<int, DenoiserBatch> batches, int untilStep, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batches);
        TrainingLoop.Run(() => Step, () => TrainStep(batches(Step)), untilStep, progress, cancellationToken);
    }

    /// <summary>Writes <c>unet</c> (and <c>text_encoder</c>), <c>trainer_state.json</c> and <c>optimizer.bin</c>.</summary>
    public void SaveCheckpoint(string folder)
    {
        Directory.CreateDirectory(folder);
        UNet.Save(Path.Combine(folder, TrainingCheckpoint.UNet));
        TextEncoder?.Save(Path.Combine(folder, TrainingCheckpoint.TextEncoder));
        _optimizer.save_state_dict(Path.Combine(folder, TrainingCheckpoint.OptimizerFileName));
        TrainingCheckpoint.WriteState(folder, new TrainerState
        {
            Trainer = TrainerName,
            Step = Step,
            Seed = Options.Seed,
            GeneratorState = TrainingCheckpoint.EncodeGeneratorState(_generator),
            Options = Options,
            Noising = NoisingState.From(Noising),
            TrainsTextEncoder = TextEncoder is not null,
            HasOptimizerState = true,
        });
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _optimizer.Dispose();
        _generator.Dispose();
        if (_ownsModels)
        {
            UNet.Dispose();
            TextEncoder?.Dispose();
        }
    }

    private Tensor Loss(DenoiserBatch batch, Generator generator)
    {
        var x = batch.Latents;
        Tensor conditioning;
        if (TextEncoder is not null)
        {
            if (batch.Conditioning.dtype != int64)
            {
                throw new ArgumentException("with a trained text encoder the batch conditioning must be int64 token ids", nameof(batch));
            }

            conditioning = TextEncoder.forward(batch.Conditioning).LastHiddenState;
        }
        else
        {
            conditioning = batch.Conditioning;
        }

        var t = Noising.SampleTimesteps(x.shape[0], generator);
        var noise = randn(x.shape, dtype: x.dtype, generator: generator);
        var noised = Noising.Noise(x, noise, t);
        var prediction = UNet.forward(noised.Noisy, noised.ModelTimestep, conditioning);
        return PreferenceLosses.PerSampleMse(prediction, noised.Target).mean();
    }
}
