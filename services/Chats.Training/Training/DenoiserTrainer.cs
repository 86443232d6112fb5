using Chats.Core.Sampling;
using Chats.Inference.Models.Clip;
using Chats.Inference.Models.UNet2DCondition;
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

    private readonly OptimizationState _optimization;
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
        _ownsModels = ownsModels;
        UNet.train();
        TextEncoder?.train();
        _optimization = new OptimizationState(textEncoder is null ? unet.parameters() : unet.parameters().Concat(textEncoder.parameters()), options);
    }

    /// <summary>The trained UNet.</summary>
    public UNet2DConditionModel UNet { get; }

    /// <summary>The jointly trained text encoder, if any.</summary>
    public ClipTextModel? TextEncoder { get; }

    /// <summary>The forward process.</summary>
    public INoisingProcess Noising { get; }

    /// <summary>Optimiser settings.</summary>
    public TrainerOptions Options => _optimization.Options;

    /// <summary>Optimiser steps done.</summary>
    public int Step => _optimization.Step;

    /// <summary>Continues a run saved by <see cref="SaveCheckpoint"/> (models, AdamW state, generator state, step); the trainer owns the loaded models.</summary>
    /// <exception cref="InvalidDataException">The folder is not a denoiser-trainer checkpoint.</exception>
    public static DenoiserTrainer Resume(string folder)
    {
        var state = TrainingCheckpoint.ReadState(folder, TrainerName);

        var unet = UNet2DConditionModel.Load(Path.Combine(folder, DenoiserComponents.Standard));
        var text = state.TrainsTextEncoder ? ClipTextModel.Load(Path.Combine(folder, TrainingCheckpoint.TextEncoder)) : null;
        var trainer = new DenoiserTrainer(unet, (state.Noising ?? throw new InvalidDataException($"{folder}: the checkpoint records no forward process")).Create(), state.Options, text, ownsModels: true);
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

    /// <summary>One optimiser step; returns the loss (mean of per-sample MSE).</summary>
    public float TrainStep(DenoiserBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return _optimization.TakeStep(generator => Loss(batch, generator));
    }

    /// <summary>The loss on <paramref name="batch"/> for <paramref name="draws"/> draws from a fresh generator seeded with <paramref name="seed"/>; no update.</summary>
    public float Evaluate(DenoiserBatch batch, long seed, int draws = 1)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return OptimizationState.Evaluate(seed, draws, generator => Loss(batch, generator));
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
        UNet.Save(Path.Combine(folder, DenoiserComponents.Standard));
        TextEncoder?.Save(Path.Combine(folder, TrainingCheckpoint.TextEncoder));
        TrainingCheckpoint.WriteState(folder, _optimization.Save(folder, TrainerName, Noising) with { TrainsTextEncoder = TextEncoder is not null });
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _optimization.Dispose();
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
