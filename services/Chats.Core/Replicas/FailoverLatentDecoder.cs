using Chats.Core.Sampling;
using Chats.Core.Tensors;

namespace Chats.Core.Replicas;

/// <summary>The decoder role over its replicas: a decode is retried on another replica when one fails.</summary>
/// <param name="pool">The replicas.</param>
public sealed class FailoverLatentDecoder(ReplicaPool<ILatentDecoder> pool) : ILatentDecoder
{
    /// <inheritdoc />
    public Task<IReadOnlyList<byte[]>> DecodeToPngAsync(HostTensor latents, CancellationToken cancellationToken)
        => pool.ExecuteAsync((decoder, ct) => decoder.DecodeToPngAsync(latents, ct), cancellationToken);
}
