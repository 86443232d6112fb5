using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Chats.TextEncoder.Caching;

/// <summary>In-process cache used when no Redis is configured: bounded, evicting the oldest insertion.</summary>
internal sealed class InMemoryEmbeddingCache(IOptions<EmbeddingCacheOptions> options) : IEmbeddingCache
{
    private readonly ConcurrentDictionary<string, byte[]> _entries = new();
    private readonly ConcurrentQueue<string> _order = new();
    private readonly int _capacity = options.Value.InMemoryCapacity;

    public Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
        => Task.FromResult(_entries.TryGetValue(key, out var value) ? value : null);

    public Task SetAsync(string key, byte[] value, CancellationToken cancellationToken)
    {
        if (_capacity == 0)
        {
            return Task.CompletedTask;
        }

        if (_entries.TryAdd(key, value))
        {
            _order.Enqueue(key);
            while (_entries.Count > _capacity && _order.TryDequeue(out var oldest))
            {
                _entries.TryRemove(oldest, out _);
            }
        }

        return Task.CompletedTask;
    }
}
