using Chats.Core.Schedulers;

namespace Chats.Inference.Roles;

/// <summary>What a loaded denoiser is and what it accepts.</summary>
/// <param name="ModelId">Pipeline name.</param>
/// <param name="Component">Component folder the weights came from (unet, unet_win, unet_lose).</param>
/// <param name="LatentChannels">Input channels.</param>
/// <param name="SampleSize">Default latent side.</param>
/// <param name="CrossAttentionDim">Width of the token embeddings it attends to.</param>
/// <param name="PooledSize">Width of the pooled embedding it needs (SDXL text_time); 0 when none.</param>
/// <param name="TimeIdsCount">Number of micro-conditioning values (6 for SDXL); 0 when none.</param>
/// <param name="PredictionType">What it predicts.</param>
public sealed record DenoiserDescription(
    string ModelId, string Component, int LatentChannels, int SampleSize, int CrossAttentionDim, int PooledSize, int TimeIdsCount, PredictionType PredictionType);
