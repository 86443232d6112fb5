using static TorchSharp.torch;

namespace Chats.Training.Losses;

/// <summary>A batch of preference pairs: latents of the preferred and dispreferred images and their shared prompt conditioning.</summary>
/// <param name="LatentWin">Scaled VAE latents x_w (B, C, H, W) of the preferred images.</param>
/// <param name="LatentLose">Scaled VAE latents x_l (B, C, H, W) of the dispreferred images.</param>
/// <param name="Conditioning">The prompts' conditioning c: token embeddings (B, tokens, dim) and, for SD3, pooled embeddings (B, dim).</param>
public sealed record PreferenceBatch(Tensor LatentWin, Tensor LatentLose, ConditioningBatch Conditioning)
{
    /// <summary>A batch conditioned on token embeddings only (SD1.5-style UNets).</summary>
    /// <param name="latentWin">x_w (B, C, H, W).</param>
    /// <param name="latentLose">x_l (B, C, H, W).</param>
    /// <param name="promptEmbeds">Text-encoder hidden states c (B, tokens, cross_attention_dim).</param>
    public PreferenceBatch(Tensor latentWin, Tensor latentLose, Tensor promptEmbeds)
        : this(latentWin, latentLose, new ConditioningBatch(promptEmbeds))
    {
    }

    /// <summary>Disposes the latents and the conditioning tensors (for the creator of the batch).</summary>
    public void DisposeTensors()
    {
        LatentWin.Dispose();
        LatentLose.Dispose();
        Conditioning.DisposeTensors();
    }
}
