using Chats.Inference.Roles;
using Chats.Inference.Engine;
using Chats.Inference.Local;
using Chats.Core.Sampling;
using Chats.Core.Tensors;

namespace Chats.Core.Tests.Sampling;

/// <summary>
/// Decodes through a <see cref="VaeImageDecoderModel"/> and keeps the latents it was given, the PNGs it returned
/// and the decoder's raw output for the same latents.
/// </summary>
internal sealed class RecordingLatentDecoder(VaeImageDecoderModel inner) : ILatentDecoder
{
    /// <summary>The latents of the last call.</summary>
    public HostTensor? Latents { get; private set; }

    /// <summary>The raw decoder output [batch, 3, H, W] for <see cref="Latents"/>.</summary>
    public HostTensor? Raw { get; private set; }

    /// <summary>The PNGs of the last call.</summary>
    public IReadOnlyList<byte[]>? Pngs { get; private set; }

    public async Task<IReadOnlyList<byte[]>> DecodeToPngAsync(HostTensor latents, CancellationToken cancellationToken)
    {
        Latents = latents.Clone();
        Pngs = await inner.DecodeToPngAsync(latents, cancellationToken);
        Raw = await inner.DecodeAsync(latents, cancellationToken);
        return Pngs;
    }
}
