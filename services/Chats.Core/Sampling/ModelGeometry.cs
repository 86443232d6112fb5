using Chats.Core.Schedulers;

namespace Chats.Core.Sampling;

/// <summary>What the sampler must know about the deployed pipeline to size and validate requests.</summary>
/// <param name="LatentChannels">UNet input channels.</param>
/// <param name="SpatialFactor">Pixels per latent cell (the VAE's downsampling factor).</param>
/// <param name="DefaultWidth">Width used when a request gives none.</param>
/// <param name="DefaultHeight">Height used when a request gives none.</param>
/// <param name="PredictionType">What the UNets predict; decides which schedulers are valid.</param>
/// <param name="UsesTimeIds">True for SDXL-style UNets (text_time additional embeddings).</param>
public sealed record ModelGeometry(
    int LatentChannels, int SpatialFactor, int DefaultWidth, int DefaultHeight, PredictionType PredictionType, bool UsesTimeIds);
