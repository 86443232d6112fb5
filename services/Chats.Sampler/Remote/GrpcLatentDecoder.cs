using Chats.Core.Sampling;
using Chats.Core.Tensors;
using Chats.Protos.V1;
using Chats.ServiceDefaults;

namespace Chats.Sampler.Remote;

/// <summary>The decoder service as an <see cref="ILatentDecoder"/>.</summary>
internal sealed class GrpcLatentDecoder(Protos.V1.Decoder.DecoderClient client) : ILatentDecoder
{
    /// <summary>The generated client (for GetInfo).</summary>
    public Protos.V1.Decoder.DecoderClient Client => client;

    public async Task<IReadOnlyList<byte[]>> DecodeToPngAsync(HostTensor latents, CancellationToken cancellationToken)
    {
        var response = await client.DecodeAsync(new DecodeRequest { Latents = latents.ToProto() }, cancellationToken: cancellationToken);
        return response.Png.Select(p => p.ToByteArray()).ToList();
    }
}
