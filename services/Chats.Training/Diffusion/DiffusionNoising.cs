using Chats.Core.Schedulers;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Training.Diffusion;

/// <summary>
/// The DDPM forward process Stable Diffusion is trained with: z_t = √ᾱ_t·x + √(1 − ᾱ_t)·ε, t uniform over the
/// training timesteps, target ε (or v = √ᾱ_t·ε − √(1 − ᾱ_t)·x for v-prediction). ᾱ_t is taken from
/// <see cref="DdimScheduler.AlphasCumprod"/>, the same float32 values the samplers use.
/// </summary>
public sealed class DiffusionNoising : INoisingProcess
{
    private readonly float[] _alphasCumprod;

    /// <summary>Creates the process for <paramref name="config"/> (default: SD's scaled-linear 0.00085…0.012, 1000 steps, ε).</summary>
    /// <exception cref="ArgumentException">The config asks for flow-velocity prediction (use <see cref="FlowMatchingNoising"/>).</exception>
    public DiffusionNoising(SchedulerConfig? config = null)
    {
        Config = config ?? SchedulerConfig.StableDiffusionDefaults;
        _alphasCumprod = [.. new DdimScheduler(Config).AlphasCumprod];
    }

    /// <summary>The schedule configuration (β schedule, number of training timesteps, prediction type).</summary>
    public SchedulerConfig Config { get; }

    /// <inheritdoc/>
    public NoisingKind Kind => NoisingKind.Diffusion;

    /// <summary>ᾱ_t for t = 0…T − 1.</summary>
    public IReadOnlyList<float> AlphasCumprod => _alphasCumprod;

    /// <inheritdoc/>
    public Tensor SampleTimesteps(long batchSize, Generator generator) =>
        randint(0, _alphasCumprod.Length, [batchSize], dtype: int64, generator: generator);

    /// <summary>z_t = √ᾱ_t·x0 + √(1 − ᾱ_t)·noise, with ᾱ gathered per sample at the integer <paramref name="timesteps"/>.</summary>
    public Tensor AddNoise(Tensor x0, Tensor noise, Tensor timesteps)
    {
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(timesteps);
        using var scope = NewDisposeScope();
        var (a, s) = Coefficients(x0, timesteps);
        return ((a * x0) + (s * noise)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public NoisedSample Noise(Tensor x0, Tensor noise, Tensor t)
    {
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(t);
        var (a, s) = Coefficients(x0, t);
        var noisy = (a * x0) + (s * noise);
        var target = Config.PredictionType == PredictionType.VPrediction ? (a * noise) - (s * x0) : noise.alias();
        return new NoisedSample(noisy, target, t.to(int64));
    }

    private (Tensor SqrtAlpha, Tensor SqrtOneMinusAlpha) Coefficients(Tensor x0, Tensor timesteps)
    {
        if (timesteps.dim() != 1 || timesteps.shape[0] != x0.shape[0])
        {
            throw new ArgumentException($"timesteps must be 1-d with one entry per sample ({x0.shape[0]}), got [{string.Join(", ", timesteps.shape)}]", nameof(timesteps));
        }

        using var table = tensor(_alphasCumprod, dtype: float32, device: x0.device);
        var ac = table.index_select(0, timesteps.to(int64).to(x0.device));
        var shape = new long[x0.dim()];
        Array.Fill(shape, 1L);
        shape[0] = x0.shape[0];
        var a = ac.sqrt().reshape(shape).to(x0.dtype);
        var s = (1 - ac).sqrt().reshape(shape).to(x0.dtype);
        return (a, s);
    }
}
