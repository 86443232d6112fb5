using Chats.Core.Sampling;
using Chats.Core.Tensors;

namespace Chats.Core.Tests.Sampling;

/// <summary>Keeps the final latents and returns one empty "PNG" per batch entry.</summary>
internal sealed class KeepingLatentDecoder : ILatentDecoder
{
    public HostTensor? Latents { get; private set; }

    public Task<IReadOnlyList<byte[]>> DecodeToPngAsync(HostTensor latents, CancellationToken cancellationToken)
    {
        Latents = latents.Clone();
        return Task.FromResult<IReadOnlyList<byte[]>>([.. Enumerable.Range(0, (int)latents.Shape[0]).Select(_ => Array.Empty<byte>())]);
    }
}
