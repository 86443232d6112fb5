using Chats.Core.Tensors;

namespace Chats.Inference.Engine;

/// <summary>
/// A validated step waiting in the engine's queue: what the worker (and later a batcher) reads to decide what
/// one forward pass runs, and where it hands the predictions back.
/// </summary>
internal sealed class PendingStep(DenoiserSession session, DenoiserStep step, long enqueuedTimestamp, CancellationToken cancellationToken)
{
    public DenoiserSession Session { get; } = session;

    public DenoiserStep Step { get; } = step;

    /// <summary><see cref="System.Diagnostics.Stopwatch"/> ticks when queued (queue-wait measurements).</summary>
    public long EnqueuedTimestamp { get; } = enqueuedTimestamp;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    public TaskCompletionSource<IReadOnlyList<WireTensor>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
