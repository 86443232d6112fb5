using Chats.Core.Sampling;

namespace Chats.Core.Replicas;

/// <summary>The text-encoder role over its replicas: an encode is retried on another replica when one fails.</summary>
/// <param name="pool">The replicas.</param>
public sealed class FailoverPromptEncoder(ReplicaPool<IPromptEncoder> pool) : IPromptEncoder
{
    /// <inheritdoc />
    public Task<IReadOnlyList<PromptConditioning>> EncodeAsync(IReadOnlyList<string> prompts, CancellationToken cancellationToken)
        => pool.ExecuteAsync((encoder, ct) => encoder.EncodeAsync(prompts, ct), cancellationToken);
}
