using System.Runtime.CompilerServices;
using Chats.Protos.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Chats.Client;

/// <summary>
/// Generates images through a Chats gateway (or a sampler directly). One instance holds one HTTP/2 channel:
/// create it once per target and share it.
/// </summary>
public sealed class ChatsClient : IDisposable
{
    private const string ArmHeader = "x-chats-arm";
    private readonly GrpcChannel _channel;
    private readonly Sampler.SamplerClient _sampler;
    private readonly ChatsClientOptions _options;

    /// <summary>Connects to <paramref name="address"/> (http:// for h2c, https:// for TLS).</summary>
    public ChatsClient(Uri address, ChatsClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        _options = options ?? new ChatsClientOptions();
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = _options.MaxReceiveMessageSize });
        _sampler = new Sampler.SamplerClient(_channel);
    }

    /// <summary>Runs a generation to completion; <paramref name="progress"/> sees every step.</summary>
    /// <exception cref="RpcException">INVALID_ARGUMENT names the bad field; RESOURCE_EXHAUSTED says when to retry (<see cref="RetryHints.RetryAfter(RpcException)"/>).</exception>
    public async Task<GenerationResult> GenerateAsync(
        GenerateRequest request, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        GenerationStarted? started = null;
        string arm = string.Empty;
        var images = new List<GeneratedImage>();
        await foreach (var (e, headerArm) in StreamWithArmAsync(request, cancellationToken))
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

    /// <summary>The raw event stream: GenerationStarted, then progress per step, then the images.</summary>
    public async IAsyncEnumerable<GenerateEvent> StreamAsync(GenerateRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var (e, _) in StreamWithArmAsync(request, cancellationToken))
        {
            yield return e;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _channel.Dispose();

    private async IAsyncEnumerable<(GenerateEvent Event, string Arm)> StreamWithArmAsync(
        GenerateRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var headers = new Metadata();
        if (!string.IsNullOrEmpty(_options.ClientKey))
        {
            headers.Add("x-client-key", _options.ClientKey);
        }

        DateTime? deadline = _options.Timeout is { } timeout ? DateTime.UtcNow + timeout : null;
        using var call = _sampler.Generate(request, headers, deadline, cancellationToken);
        var responseHeaders = await call.ResponseHeadersAsync;
        string arm = responseHeaders.GetValue(ArmHeader) ?? string.Empty;
        await foreach (var e in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            yield return (e, arm);
        }
    }
}
