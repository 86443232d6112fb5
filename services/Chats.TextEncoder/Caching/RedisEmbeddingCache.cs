using Chats.ServiceDefaults;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Chats.TextEncoder.Caching;

/// <summary>
/// Redis-backed cache over one shared multiplexer. Redis being down must not stop encoding: every failure
/// is logged, counted as <c>error</c> and treated as a miss.
/// </summary>
internal sealed class RedisEmbeddingCache : IEmbeddingCache, IDisposable
{
    private readonly EmbeddingCacheOptions _options;
    private readonly ILogger<RedisEmbeddingCache> _logger;
    private readonly Lazy<ConnectionMultiplexer> _connection;

    public RedisEmbeddingCache(IOptions<EmbeddingCacheOptions> options, ILogger<RedisEmbeddingCache> logger)
    {
        _options = options.Value;
        _logger = logger;
        _connection = new Lazy<ConnectionMultiplexer>(Connect);
    }

    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            RedisValue value = await Database().StringGetAsync(_options.KeyPrefix + key).WaitAsync(Timeout, cancellationToken);
            return value.IsNull ? null : (byte[]?)value;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            ChatsMetrics.EmbeddingCache.WithLabels("error").Inc();
            _logger.LogWarning(ex, "Embedding cache read failed; encoding without cache");
            return null;
        }
    }

    public async Task SetAsync(string key, byte[] value, CancellationToken cancellationToken)
    {
        try
        {
            await Database().StringSetAsync(_options.KeyPrefix + key, value, _options.TimeToLive).WaitAsync(Timeout, cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            ChatsMetrics.EmbeddingCache.WithLabels("error").Inc();
            _logger.LogWarning(ex, "Embedding cache write failed");
        }
    }

    public void Dispose()
    {
        if (_connection.IsValueCreated)
        {
            _connection.Value.Dispose();
        }
    }

    private TimeSpan Timeout => TimeSpan.FromMilliseconds(_options.RedisTimeoutMilliseconds);

    private IDatabase Database() => _connection.Value.GetDatabase();

    private ConnectionMultiplexer Connect()
    {
        var config = ConfigurationOptions.Parse(_options.Redis!);
        // Keep retrying in the background instead of failing start-up or blocking requests.
        config.AbortOnConnectFail = false;
        config.ConnectTimeout = _options.RedisTimeoutMilliseconds;
        config.SyncTimeout = _options.RedisTimeoutMilliseconds;
        config.AsyncTimeout = _options.RedisTimeoutMilliseconds;
        return ConnectionMultiplexer.Connect(config);
    }
}
