using Chats.Core.Sampling;
using Chats.Core.Tensors;

namespace Chats.Core.Tests.Sampling;

/// <summary>Encodes every prompt as all-ones [4, 8] token embeddings and an all-ones [8] pooled embedding, keeping the prompts asked for.</summary>
internal sealed class FakePromptEncoder : IPromptEncoder
{
    public List<string> Prompts { get; } = [];

    public Task<IReadOnlyList<PromptConditioning>> EncodeAsync(IReadOnlyList<string> prompts, CancellationToken cancellationToken)
    {
        Prompts.AddRange(prompts);
        IReadOnlyList<PromptConditioning> result = [.. prompts.Select(_ => new PromptConditioning(
            new HostTensor(Enumerable.Repeat(1f, 32).ToArray(), [4, 8]), new HostTensor(Enumerable.Repeat(1f, 8).ToArray(), [8])))];
        return Task.FromResult(result);
    }
}
