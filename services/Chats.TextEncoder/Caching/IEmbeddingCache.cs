namespace Chats.TextEncoder.Caching;

/// <summary>Binary embedding cache. Implementations never throw for cache trouble: they count it and miss.</summary>
public interface IEmbeddingCache
{
    /// <summary>The cached value, or null on a miss (or when the cache is unavailable).</summary>
    Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Stores a value; failures are logged and counted, not thrown.</summary>
    Task SetAsync(string key, byte[] value, CancellationToken cancellationToken);
}
