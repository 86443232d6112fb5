using Chats.Core.Sampling;
using Chats.Core.Schedulers;

namespace Chats.Inference.Roles;

/// <summary>What a loaded denoiser is and what it accepts.</summary>
/// <param name="ModelId">Pipeline name.</param>
/// <param name="Component">Component folder the weights came from (unet, unet_win, unet_lose, transformer, transformer_win, transformer_lose).</param>
/// <param name="ModelClass">The network's class in model_index.json (UNet2DConditionModel, SD3Transformer2DModel).</param>
/// <param name="LatentChannels">Input channels.</param>
/// <param name="SampleSize">Default latent side.</param>
/// <param name="PatchSize">Latent cells per token side: latent sides must be multiples of it (1 for UNets).</param>
/// <param name="MaxLatentSide">Largest latent side the network itself takes (SD3's position embedding); 0 when it sets none.</param>
/// <param name="Conditioning">The named tensors every conditioning must carry, with their shapes.</param>
/// <param name="PredictionType">What it predicts.</param>
public sealed record DenoiserDescription(
    string ModelId,
    string Component,
    string ModelClass,
    int LatentChannels,
    int SampleSize,
    int PatchSize,
    int MaxLatentSide,
    IReadOnlyList<ConditioningSpec> Conditioning,
    PredictionType PredictionType)
{
    /// <summary>Width of the token embeddings it attends to.</summary>
    public int CrossAttentionDim => (int)Spec(ConditioningNames.PromptEmbeds)!.Shape[1];

    /// <summary>Width of the pooled embedding it needs (SDXL text_time, SD3 pooled projections); 0 when none.</summary>
    public int PooledSize => (int)(Spec(ConditioningNames.PooledPromptEmbeds)?.Shape[0] ?? 0);

    /// <summary>Number of micro-conditioning values (6 for SDXL); 0 when none.</summary>
    public int TimeIdsCount => (int)(Spec(ConditioningNames.TimeIds)?.Shape[0] ?? 0);

    /// <summary>The spec of <paramref name="name"/>, or null when the model does not take it.</summary>
    public ConditioningSpec? Spec(string name) => Conditioning.FirstOrDefault(s => s.Name == name);
}
