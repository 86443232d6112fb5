using Chats.Core.Sampling;
using Chats.Protos.V1;
using Chats.ServiceDefaults;

namespace Chats.Sampler.Remote;

/// <summary>The text-encoder service as an <see cref="IPromptEncoder"/>.</summary>
internal sealed class GrpcPromptEncoder(Protos.V1.TextEncoder.TextEncoderClient client) : IPromptEncoder
{
    public async Task<IReadOnlyList<PromptConditioning>> EncodeAsync(IReadOnlyList<string> prompts, CancellationToken cancellationToken)
    {
        var request = new EncodeRequest { Dtype = DType.Float32 };
        request.Prompts.AddRange(prompts);
        var response = await client.EncodeAsync(request, cancellationToken: cancellationToken);
        if (response.Conditionings.Count != prompts.Count)
        {
            throw new InvalidOperationException($"text encoder returned {response.Conditionings.Count} conditionings for {prompts.Count} prompts");
        }

        return response.Conditionings.Select((c, i) => c.ToCore($"conditionings[{i}]")).ToList();
    }
}
