using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Training.Diffusion;

/// <summary>
/// A training-time forward process: it draws the noise level for each sample and corrupts clean latents into the
/// model input, the regression target and the timestep the denoiser is called with.
/// </summary>
public interface INoisingProcess
{
    /// <summary>Which forward process this is (recorded in checkpoints).</summary>
    NoisingKind Kind { get; }

    /// <summary>
    /// Draws one noise level per sample from <paramref name="generator"/>: integer training timesteps (int64) for
    /// diffusion, t ∈ (0, 1) (float32) for rectified flow.
    /// </summary>
    Tensor SampleTimesteps(long batchSize, Generator generator);

    /// <summary>
    /// Corrupts <paramref name="x0"/> (B, C, H, W) with <paramref name="noise"/> (same shape) at the levels
    /// <paramref name="t"/> (B) drawn by <see cref="SampleTimesteps"/>.
    /// </summary>
    NoisedSample Noise(Tensor x0, Tensor noise, Tensor t);
}
