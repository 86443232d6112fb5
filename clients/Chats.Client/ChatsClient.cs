using System.Runtime.CompilerServices;
using Chats.Protos.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Chats.Client;

/// <summary>
/// Generates images through a Chats gateway (or a sampler directly) over gRPC. Thread-safe: create one per target and
/// share it (a client made from an address holds one HTTP/2 channel), or register it with <c>AddChatsClient</c>.
/// </summary>
public sealed class ChatsClient : IChatsClient, IDisposable
{
    private const string ArmHeader = "x-chats-arm";
    private const string ClientKeyHeader = "x-client-key";
    private const string AuthorizationHeader = "authorization";
    private readonly GrpcChannel? _ownedChannel;
    private readonly Sampler.SamplerClient _sampler;
    private readonly string? _clientKey;
    private readonly string? _authorization;
    private readonly TimeSpan? _timeout;

    /// <summary>
    /// Connects to <paramref name="address"/> (http:// for h2c, https:// for TLS) with a channel of its own that carries
    /// the receive limit and retry policy of <paramref name="options"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public ChatsClient(Uri address, ChatsClientOptions? options = null)
        : this(address, options, httpHandler: null)
    {
    }

    /// <summary>
    /// As <see cref="ChatsClient(Uri, ChatsClientOptions?)"/>, sending through <paramref name="httpHandler"/> (a
    /// <see cref="SocketsHttpHandler"/> with settings of your own, or a <see cref="DelegatingHandler"/> chain). The
    /// handler stays yours: dispose it after the client.
    /// </summary>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public ChatsClient(Uri address, ChatsClientOptions? options, HttpMessageHandler? httpHandler)
        : this(options ?? new ChatsClientOptions())
    {
        ArgumentNullException.ThrowIfNull(address);
        var channelOptions = (options ?? new ChatsClientOptions()).CreateChannelOptions();
        channelOptions.HttpHandler = httpHandler;
        _ownedChannel = GrpcChannel.ForAddress(address, channelOptions);
        _sampler = new Sampler.SamplerClient(_ownedChannel);
    }

    /// <summary>
    /// Uses <paramref name="channel"/> as it is (its owner disposes it). Retries are a setting of the channel: create it
    /// with <see cref="ChatsClientOptions.CreateChannelOptions"/> for the policy of <see cref="ChatsClientOptions.Retry"/>;
    /// here only the headers and <see cref="ChatsClientOptions.Timeout"/> of <paramref name="options"/> apply.
    /// </summary>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public ChatsClient(GrpcChannel channel, ChatsClientOptions? options = null)
        : this(options ?? new ChatsClientOptions())
    {
        ArgumentNullException.ThrowIfNull(channel);
        _sampler = new Sampler.SamplerClient(channel);
    }

    /// <summary>
    /// Calls through <paramref name="callInvoker"/> (a channel's, perhaps with interceptors). As with a channel, retries
    /// are whatever the channel under it does; the headers and <see cref="ChatsClientOptions.Timeout"/> of
    /// <paramref name="options"/> apply.
    /// </summary>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public ChatsClient(CallInvoker callInvoker, ChatsClientOptions? options = null)
        : this(options ?? new ChatsClientOptions())
    {
        ArgumentNullException.ThrowIfNull(callInvoker);
        _sampler = new Sampler.SamplerClient(callInvoker);
    }

    /// <summary>Over a client made by Grpc.Net.ClientFactory, whose channel already carries the options' policy.</summary>
    internal ChatsClient(Sampler.SamplerClient sampler, ChatsClientOptions options)
        : this(options)
    {
        _sampler = sampler;
    }

    private ChatsClient(ChatsClientOptions options)
    {
        options.ThrowIfInvalid();
        _clientKey = string.IsNullOrEmpty(options.ClientKey) ? null : options.ClientKey;
        _authorization = options.ApiKey is { } key ? "Bearer " + key : null;
        _timeout = options.Timeout;
        _sampler = null!;
    }

    /// <inheritdoc />
    public async Task<GenerationResult> GenerateAsync(
        GenerateRequest request, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        GenerationStarted? started = null;
        string arm = string.Empty;
        var images = new List<GeneratedImage>();
        await foreach (var (e, headerArm) in StreamWithArmAsync(request, cancellationToken).ConfigureAwait(false))
        {
            arm = headerArm;
            switch (e.EventCase)
            {
                case GenerateEvent.EventOneofCase.Started:
                    started = e.Started;
                    break;
                case GenerateEvent.EventOneofCase.Progress:
                    progress?.Report(e.Progress);
                    break;
                case GenerateEvent.EventOneofCase.Image:
                    images.Add(e.Image);
                    break;
            }
        }

        return new GenerationResult(
            started ?? throw new InvalidOperationException("the sampler sent no GenerationStarted event"), arm, images);
    }

    /// <inheritdoc />
    public Task<GenerationResult> GenerateAsync(
        string prompt, GenerationOptions? options = null, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return GenerateAsync((options ?? new GenerationOptions()).ToRequest(prompt), progress, cancellationToken);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<GenerateEvent> StreamAsync(GenerateRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var (e, _) in StreamWithArmAsync(request, cancellationToken).ConfigureAwait(false))
        {
            yield return e;
        }
    }

    /// <summary>Disposes the channel when this client created it (the address constructors); otherwise nothing.</summary>
    public void Dispose() => _ownedChannel?.Dispose();

    private async IAsyncEnumerable<(GenerateEvent Event, string Arm)> StreamWithArmAsync(
        GenerateRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var headers = new Metadata();
        if (_clientKey is not null)
        {
            headers.Add(ClientKeyHeader, _clientKey);
        }

        if (_authorization is not null)
        {
            headers.Add(AuthorizationHeader, _authorization);
        }

        using var call = _sampler.Generate(request, headers, Deadline(), cancellationToken);
        var responseHeaders = await call.ResponseHeadersAsync.ConfigureAwait(false);
        string arm = responseHeaders.GetValue(ArmHeader) ?? string.Empty;
        await foreach (var e in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return (e, arm);
        }
    }

    // gRPC deadlines are absolute; one far beyond any real generation (a Timeout of years) means none.
    private DateTime? Deadline()
    {
        if (_timeout is not { } timeout)
        {
            return null;
        }

        var now = DateTime.UtcNow;
        return timeout < DateTime.MaxValue - now ? now + timeout : null;
    }
}
