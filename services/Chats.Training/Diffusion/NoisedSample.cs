using static TorchSharp.torch;

namespace Chats.Training.Diffusion;

/// <summary>One corrupted batch: what the denoiser sees, what it must predict, and the timestep it is called with.</summary>
/// <param name="Noisy">z_t (B, C, H, W).</param>
/// <param name="Target">The regression target (ε, v or ε − x), same shape as <paramref name="Noisy"/>.</param>
/// <param name="ModelTimestep">The timestep passed to the UNet (B): the integer t for diffusion, t·1000 for flow.</param>
public sealed record NoisedSample(Tensor Noisy, Tensor Target, Tensor ModelTimestep);
