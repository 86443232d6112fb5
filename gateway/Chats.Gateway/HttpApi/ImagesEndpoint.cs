using Chats.Protos.V1;
using Chats.ServiceDefaults;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Chats.Gateway.HttpApi;

/// <summary>
/// <c>POST /v1/images/generations</c>: OpenAI's image generation call. The body becomes one Generate call on the
/// gateway's own gRPC port; its images come back inline (<c>b64_json</c>), its status as HTTP (see
/// <see cref="GrpcToHttpStatus"/>).
/// </summary>
internal static class ImagesEndpoint
{
    public const string Path = "/v1/images/generations";

    public static async Task HandleAsync(HttpContext context)
    {
        var sampler = context.RequestServices.GetRequiredService<SelfSamplerClient>();
        int maxBytes = context.RequestServices.GetRequiredService<IOptions<GatewayHttpOptions>>().Value.MaxHttpRequestBytes;
        try
        {
            var body = await ImageGenerationRequestReader.ReadAsync(context, maxBytes);
            using var call = sampler.Generate(ImageGenerationRequestMapping.ToGrpc(body), context, body.User);
            var headers = await call.ResponseHeadersAsync;
            GenerationStarted? started = null;
            var images = new List<GeneratedImageData>();
            await foreach (var e in call.ResponseStream.ReadAllAsync(context.RequestAborted))
            {
                switch (e.EventCase)
                {
                    case GenerateEvent.EventOneofCase.Started:
                        started = e.Started;
                        break;
                    case GenerateEvent.EventOneofCase.Image:
                        images.Add(new GeneratedImageData(Convert.ToBase64String(e.Image.Png.Span), e.Image.Seed));
                        break;
                }
            }

            if (started is null)
            {
                throw new RpcException(new Status(StatusCode.Internal, "the sampler ended the generation without a started event"));
            }

            var response = new ImageGenerationResponse(
                DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                images,
                new ChatsGenerationInfo(ImageGenerationRequestMapping.ModeName(started.Mode), ArmOf(headers, started), started.GenerationId));
            await context.Response.WriteAsJsonAsync(response, HttpApiJson.Context.ImageGenerationResponse, cancellationToken: context.RequestAborted);
        }
        catch (HttpApiException refused)
        {
            await refused.Failure.WriteAsync(context.Response);
        }
        catch (RpcException rpc) when (!context.RequestAborted.IsCancellationRequested)
        {
            await HttpApiFailure.From(rpc).WriteAsync(context.Response);
        }
        catch (Exception ex) when (context.RequestAborted.IsCancellationRequested && ex is RpcException or OperationCanceledException or IOException)
        {
            // The caller went away: the cancelled call has ended the generation upstream; nobody reads an answer.
            context.Response.StatusCode = GrpcToHttpStatus.ClientClosedRequest;
        }
    }

    /// <summary>The arm as the sampler reported it (<c>x-chats-arm</c>: an arm's name, <c>explicit</c> or <c>default</c>).</summary>
    public static string ArmOf(Metadata headers, GenerationStarted started)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(started);
        return headers.GetValue(ArmHeaders.Arm) is { Length: > 0 } arm ? arm
            : started.Arm is { Length: > 0 } startedArm ? startedArm
            : "explicit";
    }
}
