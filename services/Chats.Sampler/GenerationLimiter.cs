using Microsoft.Extensions.Options;

namespace Chats.Sampler;

/// <summary>Caps concurrent generations so an overloaded sampler answers RESOURCE_EXHAUSTED instead of timing out everyone.</summary>
internal sealed class GenerationLimiter(IOptions<SamplerOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentGenerations, options.Value.MaxConcurrentGenerations);

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
