using Chats.Protos.V1;
using Grpc.Core;

namespace Chats.IntegrationTests;

/// <summary>A decoder whose GetInfo fails with an exception no status mapping knows (an internal bug, as a service would have one).</summary>
internal sealed class BrokenDecoderService : Protos.V1.Decoder.DecoderBase
{
    public const string Failure = "the decoder's state is inconsistent";

    public override Task<DecoderInfo> GetInfo(DecoderInfoRequest request, ServerCallContext context)
        => throw new InvalidOperationException(Failure);
}
