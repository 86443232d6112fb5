using static TorchSharp.torch;

namespace Chats.Training.Losses;

/// <summary>
/// A denoiser call: prediction for (z_t, model timestep, conditioning); a UNet's or an SD3 transformer's forward, or a
/// fake in tests.
/// </summary>
public delegate Tensor Denoiser(Tensor noisy, Tensor modelTimestep, ConditioningBatch conditioning);
