using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Training.Diffusion;

/// <summary>
/// The rectified-flow forward process (v-prediction, as SD3 / FLUX train): z_t = (1 − t)·x + t·ε with t uniform in
/// (0, 1), target v = ε − x, and the denoiser called at timestep t·<see cref="NumTrainTimesteps"/>.
/// </summary>
public sealed class FlowMatchingNoising : INoisingProcess
{
    /// <summary>Smallest and largest t drawn, keeping t strictly inside (0, 1).</summary>
    public const float TEpsilon = 1e-5f;

    /// <summary>Creates the process; the model timestep is t·<paramref name="numTrainTimesteps"/> (1000 by default).</summary>
    public FlowMatchingNoising(int numTrainTimesteps = 1000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numTrainTimesteps, 1);
        NumTrainTimesteps = numTrainTimesteps;
    }

    /// <summary>The factor between t and the model's timestep input.</summary>
    public int NumTrainTimesteps { get; }

    /// <inheritdoc/>
    public NoisingKind Kind => NoisingKind.FlowMatching;

    /// <inheritdoc/>
    public Tensor SampleTimesteps(long batchSize, Generator generator)
    {
        using var u = rand([batchSize], dtype: float32, generator: generator);
        return u.clamp(TEpsilon, 1f - TEpsilon);
    }

    /// <inheritdoc/>
    public NoisedSample Noise(Tensor x0, Tensor noise, Tensor t)
    {
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(t);
        if (t.dim() != 1 || t.shape[0] != x0.shape[0])
        {
            throw new ArgumentException($"t must be 1-d with one entry per sample ({x0.shape[0]}), got [{string.Join(", ", t.shape)}]", nameof(t));
        }

        var shape = new long[x0.dim()];
        Array.Fill(shape, 1L);
        shape[0] = x0.shape[0];
        var tb = t.to(x0.dtype).reshape(shape);
        var noisy = ((1 - tb) * x0) + (tb * noise);
        var target = noise - x0;
        return new NoisedSample(noisy, target, t.to(float32) * NumTrainTimesteps);
    }
}
