using Chats.ServiceDefaults;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Chats.TextEncoder.Caching;

/// <summary>
/// Redis-backed cache over one shared multiplexer. Redis being down must not stop encoding, nor slow it: every
/// failure is logged, counted and treated as a miss; after <see cref="EmbeddingCacheOptions.BreakerFailures"/>
/// failures in a row a breaker skips Redis for <see cref="EmbeddingCacheOptions.BreakerCooldown"/>; stores never
/// hold up the request that computed the value.
/// </summary>
internal sealed class RedisEmbeddingCache : IEmbeddingCache, IDisposable
{
    private const string Lookup = "lookup";
    private const string Store = "store";

    private readonly EmbeddingCacheOptions _options;
    private readonly ILogger<RedisEmbeddingCache> _logger;
    private readonly RedisCircuitBreaker _breaker;
    private readonly ConfigurationOptions _configuration;
    private readonly Lock _connectLock = new();
    private Task<ConnectionMultiplexer> _connection;
    private int _pendingStores;
    private bool _disposed;

    public RedisEmbeddingCache(IOptions<EmbeddingCacheOptions> options, ILogger<RedisEmbeddingCache> logger, TimeProvider time)
    {
        _options = options.Value;
        _logger = logger;
        _breaker = new RedisCircuitBreaker(_options.BreakerFailures, _options.BreakerCooldown, time);
        _breaker.StateChanged += OnBreakerChanged;
        EmbeddingCacheMetrics.BreakerOpen.Set(0);
        _configuration = ConfigurationOptions.Parse(_options.Redis!);
        // Keep retrying in the background instead of failing start-up or blocking requests: the service starts and
        // serves with Redis down, and uses it once it answers.
        _configuration.AbortOnConnectFail = false;
        // While disconnected, fail a command at once rather than queueing it until its timeout: a cache miss is cheap.
        _configuration.BacklogPolicy = BacklogPolicy.FailFast;
        _configuration.ConnectTimeout = _options.RedisTimeoutMilliseconds;
        _configuration.SyncTimeout = _options.RedisTimeoutMilliseconds;
        _configuration.AsyncTimeout = _options.RedisTimeoutMilliseconds;
        // Connect from start-up on, without waiting for it: no request ever waits for the connection to be made.
        _connection = ConnectionMultiplexer.ConnectAsync(_configuration);
    }

    /// <summary>Stores started and not yet finished (bounded by <see cref="EmbeddingCacheOptions.MaxPendingStores"/>).</summary>
    public int PendingStores => Volatile.Read(ref _pendingStores);

    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        if (!_breaker.TryAcquire())
        {
            EmbeddingCacheMetrics.Skipped.WithLabels(Lookup, "breaker_open").Inc();
            return null;
        }

        if (Database() is not { } database)
        {
            _breaker.RecordAbandoned();
            EmbeddingCacheMetrics.Skipped.WithLabels(Lookup, "connecting").Inc();
            return null;
        }

        try
        {
            RedisValue value = await database.StringGetAsync(_options.KeyPrefix + key).WaitAsync(Timeout, cancellationToken);
            _breaker.RecordSuccess();
            return value.IsNull ? null : (byte[]?)value;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _breaker.RecordAbandoned();
            throw;
        }
        catch (Exception ex) when (IsRedisTrouble(ex))
        {
            ChatsMetrics.EmbeddingCache.WithLabels("error").Inc();
            Failed(Lookup, ex);
            return null;
        }
    }

    /// <summary>
    /// Starts the store and returns at once. The request already has its value, so it should not wait for the
    /// write (a round trip, or the whole timeout when Redis hangs); at most
    /// <see cref="EmbeddingCacheOptions.MaxPendingStores"/> run at once, so a slow Redis cannot pile values up in
    /// memory: beyond that a store is skipped and counted.
    /// </summary>
    public Task SetAsync(string key, byte[] value, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _pendingStores) > _options.MaxPendingStores)
        {
            Interlocked.Decrement(ref _pendingStores);
            EmbeddingCacheMetrics.Skipped.WithLabels(Store, "store_backlog").Inc();
            return Task.CompletedTask;
        }

        if (!_breaker.TryAcquire())
        {
            Interlocked.Decrement(ref _pendingStores);
            EmbeddingCacheMetrics.Skipped.WithLabels(Store, "breaker_open").Inc();
            return Task.CompletedTask;
        }

        if (Database() is not { } database)
        {
            Interlocked.Decrement(ref _pendingStores);
            _breaker.RecordAbandoned();
            EmbeddingCacheMetrics.Skipped.WithLabels(Store, "connecting").Inc();
            return Task.CompletedTask;
        }

        // Not the request's token: the response going out must not cancel the write of its value.
        _ = StoreAsync(database, key, value);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        lock (_connectLock)
        {
            _disposed = true;
        }

        _breaker.StateChanged -= OnBreakerChanged;
        _connection.ContinueWith(t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    private async Task StoreAsync(IDatabase database, string key, byte[] value)
    {
        try
        {
            await database.StringSetAsync(_options.KeyPrefix + key, value, _options.TimeToLive).WaitAsync(Timeout);
            _breaker.RecordSuccess();
        }
        catch (Exception ex) when (IsRedisTrouble(ex))
        {
            ChatsMetrics.EmbeddingCache.WithLabels("error").Inc();
            Failed(Store, ex);
        }
        finally
        {
            Interlocked.Decrement(ref _pendingStores);
        }
    }

    private static bool IsRedisTrouble(Exception ex) => ex is RedisException or TimeoutException or ObjectDisposedException;

    private TimeSpan Timeout => TimeSpan.FromMilliseconds(_options.RedisTimeoutMilliseconds);

    /// <summary>The database, or null while the first connection attempt has not finished.</summary>
    private IDatabase? Database()
    {
        var connection = _connection;
        if (connection.IsFaulted)
        {
            // Not a down server (AbortOnConnectFail=false keeps retrying those) but a failed set-up; try again, at
            // most once per breaker probe since only admitted calls get here.
            lock (_connectLock)
            {
                if (!_disposed && ReferenceEquals(connection, _connection))
                {
                    _logger.LogWarning(connection.Exception, "Connecting to the embedding cache's Redis failed; trying again");
                    _connection = ConnectionMultiplexer.ConnectAsync(_configuration);
                }
            }

            return null;
        }

        return connection.IsCompletedSuccessfully ? connection.Result.GetDatabase() : null;
    }

    private void Failed(string operation, Exception ex)
    {
        EmbeddingCacheMetrics.Failures.WithLabels(operation).Inc();
        _breaker.RecordFailure();
        // While the breaker is open only its probes reach Redis; their failures are the breaker's news, not new news.
        if (_breaker.IsOpen)
        {
            _logger.LogDebug(ex, "Embedding cache {Operation} failed", operation);
        }
        else
        {
            _logger.LogWarning(ex, "Embedding cache {Operation} failed; encoding without cache", operation);
        }
    }

    private void OnBreakerChanged(bool open)
    {
        EmbeddingCacheMetrics.BreakerOpen.Set(open ? 1 : 0);
        if (open)
        {
            EmbeddingCacheMetrics.BreakerOpened.Inc();
            _logger.LogWarning(
                "Embedding cache: {Failures} Redis failures in a row; skipping Redis for {Cooldown} at a time until it answers",
                _options.BreakerFailures, _options.BreakerCooldown);
        }
        else
        {
            _logger.LogInformation("Embedding cache: Redis answered again; using it");
        }
    }
}
