using static TorchSharp.torch;

namespace Chats.Training.Losses;

/// <summary>A batch of preference pairs: latents of the preferred and dispreferred images and their shared prompt conditioning.</summary>
/// <param name="LatentWin">Scaled VAE latents x_w (B, C, H, W) of the preferred images.</param>
/// <param name="LatentLose">Scaled VAE latents x_l (B, C, H, W) of the dispreferred images.</param>
/// <param name="Conditioning">Text-encoder hidden states c (B, tokens, cross_attention_dim).</param>
public sealed record PreferenceBatch(Tensor LatentWin, Tensor LatentLose, Tensor Conditioning);
