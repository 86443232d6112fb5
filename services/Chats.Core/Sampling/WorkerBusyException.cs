namespace Chats.Core.Sampling;

/// <summary>The inference queue is full; services map this to RESOURCE_EXHAUSTED with <see cref="RetryAfter"/> as the hint.</summary>
public sealed class WorkerBusyException : Exception
{
    /// <summary>
    /// Creates the exception for the worker named <paramref name="worker"/>; the caller should retry after
    /// <paramref name="retryAfter"/> (default <see cref="RetryDelay.Generation"/>), which the message states.
    /// </summary>
    public WorkerBusyException(string worker, TimeSpan? retryAfter = null)
        : base($"{worker} is at capacity; {RetryDelay.Phrase(retryAfter ?? RetryDelay.Generation)}")
    {
        RetryAfter = retryAfter ?? RetryDelay.Generation;
    }

    /// <summary>How long the caller should wait before trying again.</summary>
    public TimeSpan RetryAfter { get; }
}
