using Chats.Core.Schedulers;

namespace Chats.Core.Sampling;

/// <summary>What the sampler must know about the deployed pipeline to size and validate requests.</summary>
/// <param name="LatentChannels">UNet input channels.</param>
/// <param name="SpatialFactor">Pixels per latent cell (the VAE's downsampling factor).</param>
/// <param name="DefaultWidth">Width used when a request gives none.</param>
/// <param name="DefaultHeight">Height used when a request gives none.</param>
/// <param name="PredictionType">What the UNets predict; decides which schedulers are valid.</param>
/// <param name="UsesTimeIds">True for SDXL-style UNets (text_time additional embeddings).</param>
/// <param name="PatchSize">
/// Latent cells per image token along each side: the transformer's <c>patch_size</c> (SD3: 2); 1 for UNets. Image sides
/// must be multiples of SpatialFactor × PatchSize.
/// </param>
/// <param name="MaxLatentSide">Largest latent side the denoiser takes (SD3: pos_embed_max_size × patch_size); 0 when it sets none.</param>
public sealed record ModelGeometry(
    int LatentChannels, int SpatialFactor, int DefaultWidth, int DefaultHeight, PredictionType PredictionType, bool UsesTimeIds,
    int PatchSize = 1, int MaxLatentSide = 0)
{
    /// <summary>What every image side must be a multiple of.</summary>
    public int SideMultiple => SpatialFactor * Math.Max(PatchSize, 1);

    /// <summary>
    /// The denoiser's image token count for a <paramref name="width"/> × <paramref name="height"/> image, as diffusers'
    /// SD3 pipeline computes <c>image_seq_len</c> for dynamic shifting: (H / f / p) · (W / f / p), each division floored.
    /// </summary>
    public int ImageSeqLen(int width, int height) =>
        (height / SpatialFactor / PatchSize) * (width / SpatialFactor / PatchSize);
}
