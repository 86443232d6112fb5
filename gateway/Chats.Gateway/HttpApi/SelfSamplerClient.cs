using System.Net;
using Chats.Protos.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Chats.Gateway.HttpApi;

/// <summary>
/// The HTTP API's way in: a Sampler client of this gateway's own gRPC port on loopback, so that an HTTP request
/// goes through exactly what a gRPC client's call does (auth, limits, the A/B arm, failover, drain, metrics).
/// One channel, made on first use (the port is known only once Kestrel has bound it).
/// </summary>
internal sealed class SelfSamplerClient(IServer server, IOptions<GatewayOptions> gateway) : IDisposable
{
    /// <summary>Request headers passed on as call metadata as they are.</summary>
    private static readonly string[] s_forwardedHeaders = ["authorization", ArmOverrideHeader];

    private const string ArmOverrideHeader = "x-chats-arm-override";

    private readonly Lock _lock = new();
    private GrpcChannel? _channel;
    private Protos.V1.Sampler.SamplerClient? _client;

    /// <summary>
    /// Starts a generation as the HTTP caller: <c>authorization</c> and <c>x-chats-arm-override</c> go along; the
    /// client key is <paramref name="user"/>, else the caller's own client-key header, else the caller's address
    /// (without one the gateway would key every HTTP caller by the loopback address, all in one arm).
    /// </summary>
    public AsyncServerStreamingCall<GenerateEvent> Generate(GenerateRequest request, HttpContext caller, string? user)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var headers = new Metadata();
        foreach (string name in s_forwardedHeaders)
        {
            string value = caller.Request.Headers[name].ToString();
            if (!string.IsNullOrEmpty(value))
            {
                headers.Add(name, value);
            }
        }

        string keyHeader = gateway.Value.ClientKeyHeader;
        string key = !string.IsNullOrEmpty(user) ? user
            : caller.Request.Headers[keyHeader].ToString() is { Length: > 0 } sent ? sent
            : caller.Connection.RemoteIpAddress?.ToString() ?? "anonymous";
        headers.Add(keyHeader.ToLowerInvariant(), key);
        return Client().Generate(request, headers, cancellationToken: caller.RequestAborted);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _channel?.Dispose();
            _channel = null;
        }
    }

    private Protos.V1.Sampler.SamplerClient Client()
    {
        lock (_lock)
        {
            if (_client is null)
            {
                _channel = GrpcChannel.ForAddress(OwnGrpcAddress(), new GrpcChannelOptions
                {
                    // The gateway's images come back through here: allow what the services may send.
                    MaxReceiveMessageSize = 64 * 1024 * 1024,
                });
                _client = new Protos.V1.Sampler.SamplerClient(_channel);
            }

            return _client;
        }
    }

    // Kestrel lists the gRPC endpoint first (ServiceDefaults binds it before the others); a wildcard host
    // (0.0.0.0 or ::, in containers) is reached on loopback.
    private Uri OwnGrpcAddress()
    {
        string first = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("the gateway has no bound gRPC address yet");
        var bound = new Uri(first);
        bool wildcard = IPAddress.TryParse(bound.Host.Trim('[', ']'), out var address)
            && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any));
        return wildcard ? new UriBuilder(bound) { Host = IPAddress.Loopback.ToString() }.Uri : bound;
    }
}
