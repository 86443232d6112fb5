using Chats.Inference.Models.Vae;
using static TorchSharp.torch;

namespace Chats.Training.Training;

/// <summary>
/// Trains an <see cref="AutoencoderKL"/> from scratch: a reparameterised draw from the encoder's posterior is decoded,
/// and the loss is a per-pixel weighted reconstruction MSE plus a small KL term towards N(0, I), as latent-diffusion
/// VAEs are trained (without the perceptual and adversarial terms, which flat-coloured scenes do not need).
/// Images are (B, 3, H, W) in [-1, 1]. Same optimiser mechanics, checkpoints and bit-identical resume as the other trainers.
/// </summary>
public sealed class VaeTrainer : IDisposable
{
    /// <summary>The <see cref="TrainerState.Trainer"/> tag.</summary>
    public const string TrainerName = "vae";

    /// <summary>The VAE component folder inside a checkpoint.</summary>
    public const string Component = "vae";

    private readonly OptimizationState _optimization;
    private readonly bool _ownsModel;

    /// <summary>Creates the trainer over <paramref name="vae"/> (trained in place).</summary>
    public VaeTrainer(AutoencoderKL vae, TrainerOptions options, VaeLossOptions loss)
        : this(vae, options, loss, ownsModel: false)
    {
    }

    private VaeTrainer(AutoencoderKL vae, TrainerOptions options, VaeLossOptions loss, bool ownsModel)
    {
        ArgumentNullException.ThrowIfNull(vae);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loss);
        Vae = vae;
        LossOptions = loss;
        _ownsModel = ownsModel;
        Vae.train();
        _optimization = new OptimizationState(vae.parameters(), options);
    }

    /// <summary>The trained VAE.</summary>
    public AutoencoderKL Vae { get; }

    /// <summary>Loss weights.</summary>
    public VaeLossOptions LossOptions { get; }

    /// <summary>Optimiser steps done.</summary>
    public int Step => _optimization.Step;

    /// <summary>Continues a run saved by <see cref="SaveCheckpoint"/>; the trainer owns the loaded VAE.</summary>
    /// <exception cref="InvalidDataException">The folder is not a VAE-trainer checkpoint.</exception>
    public static VaeTrainer Resume(string folder, VaeLossOptions loss)
    {
        var state = TrainingCheckpoint.ReadState(folder, TrainerName);

        var vae = AutoencoderKL.Load(Path.Combine(folder, Component));
        var trainer = new VaeTrainer(vae, state.Options, loss, ownsModel: true);
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

    /// <summary>One optimiser step on <paramref name="images"/>; returns the loss.</summary>
    public float TrainStep(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        return _optimization.TakeStep(generator => Loss(images, generator));
    }

    /// <summary>The loss on <paramref name="images"/> with a fresh generator seeded with <paramref name="seed"/>; no update.</summary>
    public float Evaluate(Tensor images, long seed)
    {
        ArgumentNullException.ThrowIfNull(images);
        return OptimizationState.Evaluate(seed, 1, generator => Loss(images, generator));
    }

    /// <summary>Writes <c>vae</c>, <c>trainer_state.json</c> and <c>optimizer.bin</c>.</summary>
    public void SaveCheckpoint(string folder)
    {
        Directory.CreateDirectory(folder);
        Vae.Save(Path.Combine(folder, Component));
        TrainingCheckpoint.WriteState(folder, _optimization.Save(folder, TrainerName, noising: null));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _optimization.Dispose();
        if (_ownsModel)
        {
            Vae.Dispose();
        }
    }

    private Tensor Loss(Tensor images, Generator generator)
    {
        var moments = Vae.encode(images);
        long channels = moments.shape[1] / 2;
        var mean = moments.narrow(1, 0, channels);
        // diffusers' DiagonalGaussianDistribution clamps the log-variance to this range.
        var logVariance = moments.narrow(1, channels, channels).clamp(-30.0, 20.0);
        var z = mean + ((0.5 * logVariance).exp() * randn(mean.shape, dtype: mean.dtype, generator: generator));
        var reconstruction = Vae.decode(z);

        // Scenes are mostly white background: weighting the shapes' pixels keeps their colours from being averaged away.
        var foreground = images.lt(LossOptions.BackgroundThreshold).any(1, keepdim: true).to(images.dtype);
        var weight = 1.0 + ((LossOptions.ForegroundWeight - 1.0) * foreground);
        var reconstructionLoss = (weight * (reconstruction - images).square()).mean();
        var kl = (0.5 * (mean.square() + logVariance.exp() - 1.0 - logVariance)).sum([1, 2, 3]).mean();
        return reconstructionLoss + (LossOptions.KlWeight * kl);
    }
}
