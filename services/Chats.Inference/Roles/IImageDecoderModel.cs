using Chats.Core.Sampling;
using Chats.Core.Tensors;

namespace Chats.Inference.Roles;

/// <summary>A loaded VAE decoder.</summary>
public interface IImageDecoderModel : ILatentDecoder, IDisposable
{
    /// <summary>Pipeline name.</summary>
    string ModelId { get; }

    /// <summary>Latent channels it decodes.</summary>
    int LatentChannels { get; }

    /// <summary>Pixels per latent cell.</summary>
    int SpatialFactor { get; }

    /// <summary>Checks a latent batch; throws <see cref="RequestValidationException"/> naming <paramref name="field"/>.</summary>
    void ValidateLatents(HostTensor latents, string field);
}
