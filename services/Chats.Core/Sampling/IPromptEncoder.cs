namespace Chats.Core.Sampling;

/// <summary>Encodes prompts into conditionings (the text-encoder role, local or remote).</summary>
public interface IPromptEncoder
{
    /// <summary>One conditioning per prompt, in order; the empty string encodes the empty prompt.</summary>
    Task<IReadOnlyList<PromptConditioning>> EncodeAsync(IReadOnlyList<string> prompts, CancellationToken cancellationToken);
}
