using Chats.Protos.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Chats.IntegrationTests;

/// <summary>
/// A Generate call whose one request message is held back: the gateway has already picked a sampler and forwarded the
/// call, so it counts as in flight there until <see cref="ReleaseAsync"/> sends the message. The call is made as a
/// duplex call on the Generate method; on the wire that differs from the generated server-streaming client only in
/// when the request message and its end of stream are sent (like a client on a slow link). Hold it for a few seconds
/// at most: gRPC lifts Kestrel's minimum request body data rate (240 B/s after a 5 s grace) only for client-streaming
/// methods, so the sampler ends a Generate call whose request stays silent for longer.
/// </summary>
internal sealed class HeldGeneration : IDisposable
{
    private static readonly Method<GenerateRequest, GenerateEvent> s_generate = new(
        MethodType.DuplexStreaming,
        Protos.V1.Sampler.Descriptor.FullName,
        "Generate",
        Marshallers.Create(m => m.ToByteArray(), GenerateRequest.Parser.ParseFrom),
        Marshallers.Create(m => m.ToByteArray(), GenerateEvent.Parser.ParseFrom));

    private readonly AsyncDuplexStreamingCall<GenerateRequest, GenerateEvent> _call;

    public HeldGeneration(CallInvoker invoker, CancellationToken cancellationToken) =>
        _call = invoker.AsyncDuplexStreamingCall(s_generate, host: null, new CallOptions(cancellationToken: cancellationToken));

    /// <summary>Sends <paramref name="request"/>, ends the request stream and reads the generation to its end.</summary>
    public async Task<IReadOnlyList<GenerateEvent>> ReleaseAsync(GenerateRequest request, CancellationToken cancellationToken)
    {
        await _call.RequestStream.WriteAsync(request, cancellationToken);
        await _call.RequestStream.CompleteAsync();
        var events = new List<GenerateEvent>();
        await foreach (var e in _call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            events.Add(e);
        }

        return events;
    }

    /// <summary>The call's responses, for a test that ends the call without releasing it.</summary>
    public IAsyncStreamReader<GenerateEvent> ResponseStream => _call.ResponseStream;

    public void Dispose() => _call.Dispose();
}
