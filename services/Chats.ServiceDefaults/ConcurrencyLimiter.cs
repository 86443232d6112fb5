namespace Chats.ServiceDefaults;

/// <summary>
/// Caps concurrent work (generations, sessions) without queueing: a refused caller gets RESOURCE_EXHAUSTED
/// at once rather than a slow timeout for everyone.
/// </summary>
public sealed class ConcurrencyLimiter : IDisposable
{
    private readonly SemaphoreSlim _slots;

    /// <summary>Allows <paramref name="capacity"/> holders at a time.</summary>
    public ConcurrencyLimiter(int capacity) => _slots = new SemaphoreSlim(capacity, capacity);

    /// <summary>A lease to dispose when done, or null when every slot is taken.</summary>
    public IDisposable? TryAcquire() => _slots.Wait(0) ? new Lease(_slots) : null;

    /// <inheritdoc />
    public void Dispose() => _slots.Dispose();

    private sealed class Lease(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
