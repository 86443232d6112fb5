using Chats.Inference.Roles;
using Chats.Inference.Local;
using Chats.Core.Sampling;
using Chats.Protos.V1;
using Chats.ServiceDefaults;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Chats.Decoder;

/// <summary>gRPC adapter over the loaded <see cref="IImageDecoderModel"/>.</summary>
internal sealed class DecoderService(IImageDecoderModel model, IOptions<DecoderOptions> options) : Protos.V1.Decoder.DecoderBase
{
    public override async Task<DecodeResponse> Decode(DecodeRequest request, ServerCallContext context)
    {
        if (request.Latents is null)
        {
            throw new RequestValidationException("latents", "is required");
        }

        var latents = request.Latents.ToHost("latents");
        var shape = latents.Shape;
        int maxSide = DecoderReceiveLimit.MaxLatentSide(model);
        if (shape.Length == 4 && (shape[2] > maxSide || shape[3] > maxSide))
        {
            throw new RequestValidationException("latents", $"shape [{string.Join(", ", shape)}]: height and width must be at most {maxSide} (the sampler's largest side over the spatial factor {model.SpatialFactor})");
        }

        model.ValidateLatents(latents, "latents");
        if (latents.Shape[0] > options.Value.MaxBatch)
        {
            throw new RequestValidationException("latents", $"batch {latents.Shape[0]} exceeds {options.Value.MaxBatch}");
        }

        var pngs = await model.DecodeToPngAsync(latents, context.CancellationToken);
        var response = new DecodeResponse();
        response.Png.AddRange(pngs.Select(Google.Protobuf.ByteString.CopyFrom));
        return response;
    }

    public override Task<DecoderInfo> GetInfo(DecoderInfoRequest request, ServerCallContext context)
        => Task.FromResult(new DecoderInfo { ModelId = model.ModelId, LatentChannels = model.LatentChannels, SpatialFactor = model.SpatialFactor });
}
