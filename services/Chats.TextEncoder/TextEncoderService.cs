using Chats.Core.Sampling;
using Chats.Protos.V1;
using Chats.ServiceDefaults;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Chats.TextEncoder;

/// <summary>gRPC adapter over <see cref="CachingPromptEncoder"/>.</summary>
internal sealed class TextEncoderService(CachingPromptEncoder encoder, IOptions<TextEncoderOptions> options) : Protos.V1.TextEncoder.TextEncoderBase
{
    public override async Task<EncodeResponse> Encode(EncodeRequest request, ServerCallContext context)
    {
        var limits = options.Value;
        if (request.Prompts.Count == 0)
        {
            throw new RequestValidationException("prompts", "at least one prompt is required");
        }

        if (request.Prompts.Count > limits.MaxPromptsPerRequest)
        {
            throw new RequestValidationException("prompts", $"{request.Prompts.Count} prompts; at most {limits.MaxPromptsPerRequest} per call");
        }

        for (int i = 0; i < request.Prompts.Count; i++)
        {
            if (request.Prompts[i].Length > limits.MaxPromptLength)
            {
                throw new RequestValidationException($"prompts[{i}]", $"longer than {limits.MaxPromptLength} characters");
            }
        }

        var dtype = request.Dtype.ToCore("dtype");
        var encoded = await encoder.EncodeAsync(request.Prompts, context.CancellationToken);
        var response = new EncodeResponse();
        response.Conditionings.AddRange(encoded.Select(e => e.Conditioning.ToProto(dtype, e.CacheHit)));
        return response;
    }

    public override Task<Protos.V1.TextEncoderInfo> GetInfo(TextEncoderInfoRequest request, ServerCallContext context)
    {
        var d = encoder.Description;
        return Task.FromResult(new Protos.V1.TextEncoderInfo
        {
            ModelId = d.ModelId,
            MaxTokens = d.MaxTokens,
            HiddenSize = d.HiddenSize,
            PooledSize = d.PooledSize,
        });
    }
}
