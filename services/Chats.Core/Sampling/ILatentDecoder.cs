using Chats.Core.Tensors;

namespace Chats.Core.Sampling;

/// <summary>Turns final latents into PNG images (the decoder role, local or remote).</summary>
public interface ILatentDecoder
{
    /// <summary>One PNG per batch entry of <paramref name="latents"/> (not yet divided by the VAE scaling factor).</summary>
    Task<IReadOnlyList<byte[]>> DecodeToPngAsync(HostTensor latents, CancellationToken cancellationToken);
}
