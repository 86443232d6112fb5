using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Chats.Protos.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Chats.Gateway.HttpApi;

/// <summary>
/// <c>POST /v1/generations:stream</c>: the same request as <see cref="ImagesEndpoint"/>, answered as server-sent
/// events, each flushed as it happens: <c>started</c>, a <c>progress</c> per step, an <c>image</c> per image, then
/// <c>done</c>; any failure (of the body or of the call) is one <c>error</c> event carrying the HTTP status the
/// non-streaming endpoint would have answered, and ends the stream. A caller that disconnects cancels the gRPC call,
/// which ends the generation upstream (CANCELLED at the sampler).
/// </summary>
internal static class GenerationStreamEndpoint
{
    public const string Path = "/v1/generations:stream";

    public static IResult Handle(HttpContext context) => TypedResults.ServerSentEvents(EventsAsync(context, context.RequestAborted));

    private static async IAsyncEnumerable<SseItem<string>> EventsAsync(HttpContext context, [EnumeratorCancellation] CancellationToken ct)
    {
        var source = GenerationEventsAsync(context, ct).GetAsyncEnumerator(ct);
        try
        {
            while (true)
            {
                HttpApiFailure? failure = null;
                bool more = false;
                try
                {
                    more = await source.MoveNextAsync();
                }
                catch (HttpApiException refused)
                {
                    failure = refused.Failure;
                }
                catch (RpcException rpc) when (!ct.IsCancellationRequested)
                {
                    failure = HttpApiFailure.From(rpc);
                }
                catch (Exception ex) when (ct.IsCancellationRequested && ex is RpcException or OperationCanceledException or IOException)
                {
                    // The caller went away; the call is cancelled and there is nobody to tell.
                    yield break;
                }

                if (failure is not null)
                {
                    yield return Item(StreamEvents.Error, JsonSerializer.Serialize(new StreamErrorEvent(failure.Error, failure.Status), HttpApiJson.Context.StreamErrorEvent));
                    yield break;
                }

                if (!more)
                {
                    yield break;
                }

                yield return source.Current;
            }
        }
        finally
        {
            await source.DisposeAsync();
        }
    }

    private static async IAsyncEnumerable<SseItem<string>> GenerationEventsAsync(HttpContext context, [EnumeratorCancellation] CancellationToken ct)
    {
        var sampler = context.RequestServices.GetRequiredService<SelfSamplerClient>();
        int maxBytes = context.RequestServices.GetRequiredService<IOptions<GatewayHttpOptions>>().Value.MaxHttpRequestBytes;
        var body = await ImageGenerationRequestReader.ReadAsync(context, maxBytes);
        using var call = sampler.Generate(ImageGenerationRequestMapping.ToGrpc(body), context, body.User);
        var headers = await call.ResponseHeadersAsync;
        var json = HttpApiJson.Context;
        await foreach (var e in call.ResponseStream.ReadAllAsync(ct))
        {
            switch (e.EventCase)
            {
                case GenerateEvent.EventOneofCase.Started:
                    var s = e.Started;
                    yield return Item(StreamEvents.Started, JsonSerializer.Serialize(
                        new StreamStartedEvent(s.GenerationId, ImageGenerationRequestMapping.ModeName(s.Mode), ImagesEndpoint.ArmOf(headers, s), s.Steps, s.Width, s.Height, s.GuidanceScale, s.Alpha),
                        json.StreamStartedEvent));
                    break;
                case GenerateEvent.EventOneofCase.Progress:
                    yield return Item(StreamEvents.Progress, JsonSerializer.Serialize(new StreamProgressEvent(e.Progress.Step, e.Progress.TotalSteps), json.StreamProgressEvent));
                    break;
                case GenerateEvent.EventOneofCase.Image:
                    var image = e.Image;
                    yield return Item(StreamEvents.Image, JsonSerializer.Serialize(
                        new StreamImageEvent(image.Index, image.Seed, image.Width, image.Height, Convert.ToBase64String(image.Png.Span)),
                        json.StreamImageEvent));
                    break;
            }
        }

        yield return Item(StreamEvents.Done, JsonSerializer.Serialize(new StreamDoneEvent(), json.StreamDoneEvent));
    }

    private static SseItem<string> Item(string eventType, string data) => new(data, eventType);
}
