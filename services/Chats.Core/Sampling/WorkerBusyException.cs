namespace Chats.Core.Sampling;

/// <summary>The inference queue is full; services map this to RESOURCE_EXHAUSTED.</summary>
public sealed class WorkerBusyException : Exception
{
    /// <summary>Creates the exception for the worker named <paramref name="worker"/>.</summary>
    public WorkerBusyException(string worker)
        : base($"{worker} is at capacity; retry later")
    {
    }
}
