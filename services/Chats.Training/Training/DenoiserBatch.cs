using static TorchSharp.torch;

namespace Chats.Training.Training;

/// <summary>A batch for standard denoiser training.</summary>
/// <param name="Latents">Scaled VAE latents (B, C, H, W) (pre-encoded, or encoded by a frozen VAE).</param>
/// <param name="Conditioning">
/// Encoder hidden states (B, tokens, cross_attention_dim) when the text encoder is not trained; token ids (B, tokens,
/// int64) when it is (its last hidden state conditions the UNet).
/// </param>
public sealed record DenoiserBatch(Tensor Latents, Tensor Conditioning);
