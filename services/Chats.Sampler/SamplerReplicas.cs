using System.Net;
using System.Net.Sockets;
using Chats.Core.Replicas;
using Chats.Core.Sampling;
using Chats.Sampler.Remote;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;

namespace Chats.Sampler;

/// <summary>
/// The sampler's dependencies as replica pools, one per role, and the channels to every replica. Fixed addresses are
/// replicas as configured; <c>dns:///</c> addresses are resolved now and every <see cref="SamplerOptions.DnsRefreshInterval"/>,
/// each resolved address a replica with its own channel, so a pod that comes or goes joins or leaves its pool.
/// </summary>
internal sealed class SamplerReplicas : IAsyncDisposable
{
    private readonly SamplerOptions _options;
    private readonly ILogger<SamplerReplicas> _logger;
    private readonly Dictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);
    private readonly List<Action> _refreshers = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _refreshLoop;

    public SamplerReplicas(IOptions<SamplerOptions> options, ILogger<SamplerReplicas> logger)
    {
        _options = options.Value;
        _logger = logger;
        var wire = _options.ParsedWireDtype();
        TextEncoder = Pool<IPromptEncoder>("text-encoder", _options.TextEncoder, c => new GrpcPromptEncoder(new Protos.V1.TextEncoder.TextEncoderClient(c)))!;
        Decoder = Pool<ILatentDecoder>("decoder", _options.Decoder, c => new GrpcLatentDecoder(new Protos.V1.Decoder.DecoderClient(c)))!;
        Preferred = Denoiser("preferred", _options.Preferred, wire);
        Dispreferred = Denoiser("dispreferred", _options.Dispreferred, wire);
        Standard = Denoiser("standard", _options.Standard, wire);
        _refreshLoop = _refreshers.Count == 0 ? Task.CompletedTask : RefreshLoopAsync(_stopping.Token);
    }

    public ReplicaPool<IPromptEncoder> TextEncoder { get; }

    public ReplicaPool<ILatentDecoder> Decoder { get; }

    public FailoverDenoiserEndpoint? Preferred { get; }

    public FailoverDenoiserEndpoint? Dispreferred { get; }

    public FailoverDenoiserEndpoint? Standard { get; }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _refreshLoop;
        _stopping.Dispose();
        lock (_channels)
        {
            foreach (var channel in _channels.Values)
            {
                channel.Dispose();
            }

            _channels.Clear();
        }
    }

    private FailoverDenoiserEndpoint? Denoiser(string role, ReplicaAddresses addresses, Core.Tensors.WireDType wire)
    {
        var pool = Pool<IDenoiserEndpoint>(role, addresses, c => new GrpcDenoiserEndpoint(new Protos.V1.Denoiser.DenoiserClient(c), wire));
        if (pool is null)
        {
            return null;
        }

        var endpoint = new FailoverDenoiserEndpoint(pool);
        endpoint.SessionMoved += moved =>
        {
            SamplerReplicaMetrics.SessionFailovers.WithLabels(moved.Role, moved.Failure.ToString().ToLowerInvariant()).Inc();
            _logger.LogWarning(
                "Session {SessionId} moved from {From} to {To} at step {Step} ({Failure})", moved.SessionId, moved.From, moved.To, moved.StepIndex, moved.Failure);
        };
        return endpoint;
    }

    private ReplicaPool<T>? Pool<T>(string role, ReplicaAddresses configured, Func<GrpcChannel, T> client)
        where T : class
    {
        if (configured.Count == 0)
        {
            return null;
        }

        // Validated at start-up (SamplerOptions.Validate), so parsing cannot fail here.
        var (addresses, _) = configured.Parse(role);
        var pool = new ReplicaPool<T>(role, _options.Failover, GrpcReplicaFailures.Classify, describe: GrpcReplicaFailures.Describe);
        pool.AttemptFailed += failed =>
        {
            SamplerReplicaMetrics.ReplicaFailures.WithLabels(failed.Role, failed.Failure.ToString().ToLowerInvariant()).Inc();
            _logger.LogInformation("{Role} replica {Address} failed a call ({Failure}): {Error}", failed.Role, failed.Address, failed.Failure, GrpcReplicaFailures.Describe(failed.Error));
        };

        void Refresh()
        {
            var resolved = addresses.SelectMany(Resolve).ToList();
            IReadOnlyList<Replica<T>> left;
            // Under the channel lock, so that releasing a departed replica's channel cannot race its return.
            lock (_channels)
            {
                left = pool.SetReplicas(resolved, a => client(Channel(a)));
            }

            SamplerReplicaMetrics.Replicas.WithLabels(role).Set(pool.Replicas.Count);
            foreach (var gone in left)
            {
                _logger.LogInformation("{Role} replica {Address} left (no longer resolved)", role, gone.Address);
                _ = ReleaseWhenIdleAsync(gone.Address, () => gone.Outstanding, () => pool.Replicas.Any(r => r.Address == gone.Address), _stopping.Token);
            }
        }

        Refresh();
        if (addresses.Any(a => a.IsDns))
        {
            _refreshers.Add(Refresh);
        }

        return pool;
    }

    private IEnumerable<string> Resolve(ReplicaAddress address)
    {
        if (!address.IsDns)
        {
            return [address.Uri!.ToString()];
        }

        try
        {
            return Dns.GetHostAddresses(address.Host)
                .Where(ip => ip.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
                .Select(ip => new UriBuilder(Uri.UriSchemeHttp, ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString(), address.Port).Uri.ToString())
                .Order(StringComparer.Ordinal)
                .ToList();
        }
        catch (SocketException e)
        {
            // Keep no replicas for the name rather than failing: the next refresh may find them (pods starting).
            _logger.LogWarning("dns:///{Host}:{Port} did not resolve: {Error}", address.Host, address.Port, e.Message);
            return [];
        }
    }

    // A replica that left the DNS records may still carry sessions that started before: its channel goes once they end.
    private async Task ReleaseWhenIdleAsync(string address, Func<int> outstanding, Func<bool> rejoined, CancellationToken stopping)
    {
        try
        {
            for (int i = 0; i < 600 && outstanding() > 0; i++)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stopping);
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }

        GrpcChannel? channel = null;
        lock (_channels)
        {
            // Back in the records meanwhile (a pod's address reused): its new replica shares this channel.
            if (!rejoined())
            {
                _channels.Remove(address, out channel);
            }
        }

        channel?.Dispose();
    }

    private GrpcChannel Channel(string address)
    {
        lock (_channels)
        {
            if (!_channels.TryGetValue(address, out var channel))
            {
                channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
                {
                    HttpHandler = new SocketsHttpHandler
                    {
                        EnableMultipleHttp2Connections = true,
                        ConnectTimeout = TimeSpan.FromSeconds(3),
                        // A replica whose host vanished sends no reset: pings find it.
                        KeepAlivePingDelay = TimeSpan.FromSeconds(20),
                        KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
                        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
                        PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                    },
                    MaxReceiveMessageSize = 64 * 1024 * 1024,
                    MaxSendMessageSize = 64 * 1024 * 1024,
                    // A restarted replica is tried again within a tenth of a second (the default is 1 s, growing to 120 s), and never
                    // later than a second after it is back: less than the failover policy waits in all.
                    InitialReconnectBackoff = TimeSpan.FromMilliseconds(100),
                    MaxReconnectBackoff = TimeSpan.FromSeconds(1),
                });
                _channels[address] = channel;
            }

            return channel;
        }
    }

    private async Task RefreshLoopAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(_options.DnsRefreshInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                foreach (var refresh in _refreshers)
                {
                    refresh();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
