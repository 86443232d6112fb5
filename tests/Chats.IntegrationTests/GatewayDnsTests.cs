using System.Net;
using System.Net.Sockets;
using Chats.Gateway;
using Chats.Protos.V1;
using Chats.ServiceDefaults;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy;

namespace Chats.IntegrationTests;

/// <summary>
/// <c>Gateway:Samplers:N=dns:///name:port</c> lists every address of the name as a sampler (as a Kubernetes headless
/// Service's pods) and looks the name up again periodically. Tested with the real system resolver on <c>localhost</c>.
/// </summary>
[Collection(RunningSystem.Name)]
public sealed class GatewayDnsTests(ChatsSystemFixture fixture) : IAsyncDisposable
{
    private const string Resolved = "chats_gateway_dns_resolutions_total{result=\"ok\"}";
    private readonly TestHosts _hosts = new(fixture);

    [Fact]
    public async Task DnsSampler_IsOneDestinationPerAddress_ServesGenerations_AndIsResolvedAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var sampler = await _hosts.StartSamplerAsync(ct);
        int port = sampler.BoundAddresses()[0].Port;
        var gateway = await _hosts.StartGatewayAsync([new Uri($"dns:///localhost:{port}")], ct, new()
        {
            ["Gateway:DnsRefreshPeriod"] = "00:00:00.2",
        });
        double before = await MetricsScrape.ValueAsync(gateway.BoundAddresses()[1], Resolved, ct);
        var expected = (await Dns.GetHostAddressesAsync("localhost", ct)).Distinct()
            .ToDictionary(a => $"sampler-0[{a}]", a => a.AddressFamily == AddressFamily.InterNetworkV6 ? $"http://[{a}]:{port}/" : $"http://{a}:{port}/");

        var proxy = gateway.Services.GetRequiredService<IProxyStateLookup>();
        Assert.True(proxy.TryGetCluster("sampler", out var cluster));
        var destinations = cluster.Destinations.ToDictionary(d => d.Key, d => d.Value.Model.Config.Address);
        using var client = new Chats.Client.ChatsClient(gateway.BoundAddresses()[0]);
        var result = await client.GenerateAsync(Requests.Small("a resolved circle", GuidanceMode.Chats, steps: 1), cancellationToken: ct);
        // Looked up again (every 0.2 s here, 10 s by default): two more lookups within the wait.
        await GatewayFailoverTests.WaitForMetricAtLeastAsync(gateway, Resolved, before + 2, ct);

        Assert.Equal(expected.OrderBy(e => e.Key), destinations.OrderBy(d => d.Key));
        Assert.Equal($"http://127.0.0.1:{port}/", destinations["sampler-0[127.0.0.1]"]);
        Assert.NotEmpty(Assert.Single(result.Images).Png);
    }

    [Fact]
    public async Task DnsNameWithNoAddress_TheGatewayStillStarts_AndCallsAreUnavailable()
    {
        var ct = TestContext.Current.CancellationToken;
        // .invalid never resolves (RFC 6761): a headless Service with no pod yet looks the same to the gateway.
        var gateway = await _hosts.StartGatewayAsync([new Uri("dns:///no-sampler-yet.invalid:5000")], ct);
        double failed = await MetricsScrape.ValueAsync(gateway.BoundAddresses()[1], "chats_gateway_dns_resolutions_total{result=\"failed\"}", ct);
        using var channel = GrpcChannel.ForAddress(gateway.BoundAddresses()[0]);

        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() =>
            GatewayFailoverTests.DrainAsync(new Protos.V1.Sampler.SamplerClient(channel).Generate(Requests.Small("an unplaced circle", GuidanceMode.Chats), cancellationToken: ct), ct));

        Assert.True(failed >= 1, "the lookup did not fail");
        Assert.Equal(Grpc.Core.StatusCode.Unavailable, error.StatusCode);
        Assert.Equal("no sampler is available (none configured, or every dns:/// name resolved to no address); retry", error.Status.Detail);
    }

    [Theory]
    [InlineData("dns://8.8.8.8/sampler.example:5000")]
    [InlineData("dns:///sampler.example")]
    [InlineData("grpc://sampler.example:5000")]
    public async Task SamplerAddressThatIsNeitherHttpNorDnsNamePort_FailsStartUp(string address)
    {
        var ct = TestContext.Current.CancellationToken;

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => _hosts.StartGatewayAsync([new Uri(address)], ct));

        Assert.Contains("Gateway:Samplers: each must be http://host:port or dns:///name:port", error.Message, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync() => await _hosts.DisposeAsync();
}
