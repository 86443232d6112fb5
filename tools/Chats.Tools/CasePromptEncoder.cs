using Chats.Core.Sampling;

namespace Chats.Tools;

/// <summary>
/// The text-encoder role of a reference case whose prompt embeddings are inputs: any non-empty prompt is the case row's
/// conditioning c, the empty prompt its negative (or null) conditioning ∅.
/// </summary>
internal sealed class CasePromptEncoder(PromptConditioning conditional, PromptConditioning unconditional) : IPromptEncoder
{
    public Task<IReadOnlyList<PromptConditioning>> EncodeAsync(IReadOnlyList<string> prompts, CancellationToken cancellationToken)
    {
        IReadOnlyList<PromptConditioning> result = [.. prompts.Select(p => p.Length == 0 ? unconditional : conditional)];
        return Task.FromResult(result);
    }
}
