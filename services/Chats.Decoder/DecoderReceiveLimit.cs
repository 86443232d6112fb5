using Chats.Core.Sampling;
using Chats.Inference.Roles;

namespace Chats.Decoder;

/// <summary>The decoder's bounds on a DecodeRequest, from the model and the sampler's limits.</summary>
internal static class DecoderReceiveLimit
{
    private const int Framing = 64 * 1024;

    /// <summary>The largest latent side a request may need: the sampler's largest image side over the spatial factor.</summary>
    public static int MaxLatentSide(IImageDecoderModel model) => new SamplingLimits().MaxSide / model.SpatialFactor;

    /// <summary>The largest legitimate DecodeRequest: MaxBatch fp32 latents of the largest side.</summary>
    public static int Bytes(IImageDecoderModel model, DecoderOptions options)
    {
        long side = MaxLatentSide(model);
        long latents = (long)options.MaxBatch * model.LatentChannels * side * side * sizeof(float);
        return (int)Math.Min(int.MaxValue, latents + Framing);
    }
}
