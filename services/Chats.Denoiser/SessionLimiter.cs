using Microsoft.Extensions.Options;

namespace Chats.Denoiser;

/// <summary>Caps concurrent sessions; a refused session gets RESOURCE_EXHAUSTED instead of queueing unboundedly.</summary>
internal sealed class SessionLimiter(IOptions<DenoiserOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.Value.MaxSessions, options.Value.MaxSessions);

    public void Dispose() => _slots.Dispose();

    public IDisposable? TryAcquire() => _slots.Wait(0) ? new Lease(_slots) : null;

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
