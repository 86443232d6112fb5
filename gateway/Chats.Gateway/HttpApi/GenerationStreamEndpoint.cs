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
/// <c>done</c>. A refusal before the generation starts (a bad body or field, no key, over a limit, no sampler) is
/// answered like the images endpoint, with its HTTP status and JSON error, so callers and proxies can act on the
/// status (401, 429 with <c>Retry-After</c>, 503); a failure once the stream has begun is one <c>error</c> event
/// carrying the status the images endpoint would have answered, and ends the stream. A caller that disconnects cancels
/// the gRPC call, which ends the generation upstream (CANCELLED at the sampler).
/// </summary>
internal static class GenerationStreamEndpoint
{
    public const string Path = "/v1/generations:stream";

    public static async Task HandleAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        var sampler = context.RequestServices.GetRequiredService<SelfSamplerClient>();
        int maxBytes = context.RequestServices.GetRequiredService<IOptions<GatewayHttpOptions>>().Value.MaxHttpRequestBytes;
        AsyncServerStreamingCall<GenerateEvent>? call = null;
        try
        {
            var body = await ImageGenerationRequestReader.ReadAsync(context, maxBytes);
            call = sampler.Generate(ImageGenerationRequestMapping.ToGrpc(body), context, body.User);
            var headers = await call.ResponseHeadersAsync;
            // Refusals come before the first event, so waiting for it is what decides between an HTTP status and a stream.
            if (!await call.ResponseStream.MoveNext(ct))
            {
                throw new RpcException(new Status(StatusCode.Internal, "the sampler ended the generation without a started event"));
            }

            var events = TypedResults.ServerSentEvents(EventsAsync(call, headers, call.ResponseStream.Current, ct));
            call = null; // the events own it now
            await events.ExecuteAsync(context);
        }
        catch (HttpApiException refused)
        {
            await refused.Failure.WriteAsync(context.Response);
        }
        catch (RpcException rpc) when (!ct.IsCancellationRequested)
        {
            await HttpApiFailure.From(rpc).WriteAsync(context.Response);
        }
        catch (Exception ex) when (ct.IsCancellationRequested && ex is RpcException or OperationCanceledException or IOException)
        {
            // The caller went away: the cancelled call has ended the generation upstream; nobody reads an answer.
            context.Response.StatusCode = GrpcToHttpStatus.ClientClosedRequest;
        }
        finally
        {
            call?.Dispose();
        }
    }

    private static async IAsyncEnumerable<SseItem<string>> EventsAsync(
        AsyncServerStreamingCall<GenerateEvent> call, Metadata headers, GenerateEvent first, [EnumeratorCancellation] CancellationToken ct)
    {
        using (call)
        {
            var e = first;
            while (true)
            {
                if (ItemOf(e, headers) is { } item)
                {
                    yield return item;
                }

                HttpApiFailure? failure = null;
                bool more = false;
                try
                {
                    more = await call.ResponseStream.MoveNext(ct);
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
                    break;
                }

                e = call.ResponseStream.Current;
            }

            yield return Item(StreamEvents.Done, JsonSerializer.Serialize(new StreamDoneEvent(), HttpApiJson.Context.StreamDoneEvent));
        }
    }

    private static SseItem<string>? ItemOf(GenerateEvent e, Metadata headers)
    {
        var json = HttpApiJson.Context;
        switch (e.EventCase)
        {
            case GenerateEvent.EventOneofCase.Started:
                var s = e.Started;
                return Item(StreamEvents.Started, JsonSerializer.Serialize(
                    new StreamStartedEvent(s.GenerationId, ImageGenerationRequestMapping.ModeName(s.Mode), ImagesEndpoint.ArmOf(headers, s), s.Steps, s.Width, s.Height, s.GuidanceScale, s.Alpha),
                    json.StreamStartedEvent));
            case GenerateEvent.EventOneofCase.Progress:
                return Item(StreamEvents.Progress, JsonSerializer.Serialize(new StreamProgressEvent(e.Progress.Step, e.Progress.TotalSteps), json.StreamProgressEvent));
            case GenerateEvent.EventOneofCase.Image:
                var image = e.Image;
                return Item(StreamEvents.Image, JsonSerializer.Serialize(
                    new StreamImageEvent(image.Index, image.Seed, image.Width, image.Height, Convert.ToBase64String(image.Png.Span)),
                    json.StreamImageEvent));
            default:
                return null;
        }
    }

    private static SseItem<string> Item(string eventType, string data) => new(data, eventType);
}
