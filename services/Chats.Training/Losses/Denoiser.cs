using static TorchSharp.torch;

namespace Chats.Training.Losses;

/// <summary>A denoiser call: prediction for (z_t, model timestep, encoder hidden states); a UNet's forward, or a fake in tests.</summary>
public delegate Tensor Denoiser(Tensor noisy, Tensor modelTimestep, Tensor conditioning);
