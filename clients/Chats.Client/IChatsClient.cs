using Chats.Protos.V1;

namespace Chats.Client;

/// <summary>
/// Generates images through a Chats gateway (or a sampler directly). <see cref="ChatsClient"/> implements it over gRPC;
/// code that depends on this interface can be given another implementation in its own tests.
/// </summary>
public interface IChatsClient
{
    /// <summary>Runs a generation to completion; <paramref name="progress"/> sees every step.</summary>
    /// <exception cref="Grpc.Core.RpcException">
    /// The call failed after its retries: INVALID_ARGUMENT names the bad field; RESOURCE_EXHAUSTED says when to retry
    /// (<see cref="RetryHints.RetryAfter(Grpc.Core.RpcException)"/>); UNAVAILABLE when no service could take it;
    /// DEADLINE_EXCEEDED past <see cref="ChatsClientOptions.Timeout"/>.
    /// </exception>
    Task<GenerationResult> GenerateAsync(
        GenerateRequest request, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Generates images of <paramref name="prompt"/>; what <paramref name="options"/> leaves unset is chosen by the
    /// service (the mode by the gateway's A/B split, steps, size and guidance by the model's defaults). The default
    /// body builds the request (<see cref="GenerationOptions.ToRequest(string)"/>) and calls the overload above, so a
    /// test double needs to implement only that one.
    /// </summary>
    /// <exception cref="Grpc.Core.RpcException">As <see cref="GenerateAsync(GenerateRequest, IProgress{GenerationProgress}?, CancellationToken)"/>.</exception>
    Task<GenerationResult> GenerateAsync(
        string prompt, GenerationOptions? options = null, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return GenerateAsync((options ?? new GenerationOptions()).ToRequest(prompt), progress, cancellationToken);
    }

    /// <summary>The raw event stream: GenerationStarted, then progress per step, then the images.</summary>
    /// <exception cref="Grpc.Core.RpcException">While enumerating; as <see cref="GenerateAsync(GenerateRequest, IProgress{GenerationProgress}?, CancellationToken)"/>.</exception>
    IAsyncEnumerable<GenerateEvent> StreamAsync(GenerateRequest request, CancellationToken cancellationToken = default);
}
