using System.Net;
using Chats.Gateway;
using Chats.ServiceDefaults;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Chats.IntegrationTests.Deploy;

/// <summary>
/// The Kubernetes probes of deploy/k8s: readiness is the gRPC health service and liveness is <c>/livez</c>. A drain must
/// take the pod out of readiness (NOT_SERVING, <c>/healthz</c> 503) while liveness stays 200, or the kubelet would
/// restart the pod in the middle of the drain that its grace period exists for.
/// </summary>
public sealed class LivenessDuringDrainTests
{
    [Fact]
    public async Task Draining_TurnsReadinessOff_AndLeavesLivenessOn()
    {
        var ct = TestContext.Current.CancellationToken;
        int httpPort = RedisServer.FreePort();
        await using var gateway = GatewayHost.Build([], new Dictionary<string, string?>
        {
            ["Endpoints:Host"] = "127.0.0.1",
            ["Endpoints:GrpcPort"] = "0",
            ["Endpoints:HttpPort"] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway:HttpApiPort"] = "-1",
            // Never called: the probes answer without a sampler.
            ["Gateway:Samplers:0"] = $"http://127.0.0.1:{RedisServer.FreePort()}",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        await gateway.StartAsync(ct);
        var http = new Uri($"http://127.0.0.1:{httpPort}");
        using var client = new HttpClient();
        using var channel = GrpcChannel.ForAddress(gateway.BoundAddresses()[0]);
        var health = new Health.HealthClient(channel);

        var liveBefore = await client.GetAsync(new Uri(http, "/livez"), ct);
        var readyBefore = await client.GetAsync(new Uri(http, "/healthz"), ct);
        var grpcBefore = await health.CheckAsync(new HealthCheckRequest(), cancellationToken: ct);
        gateway.Services.GetRequiredService<ServiceDrain>().Begin();
        var liveDraining = await client.GetAsync(new Uri(http, "/livez"), ct);
        var readyDraining = await client.GetAsync(new Uri(http, "/healthz"), ct);
        var grpcDraining = await health.CheckAsync(new HealthCheckRequest(), cancellationToken: ct);

        Assert.Equal(HttpStatusCode.OK, liveBefore.StatusCode);
        Assert.Equal(HttpStatusCode.OK, readyBefore.StatusCode);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, grpcBefore.Status);
        Assert.Equal(HttpStatusCode.OK, liveDraining.StatusCode);
        Assert.Equal("ok", await liveDraining.Content.ReadAsStringAsync(ct));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyDraining.StatusCode);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, grpcDraining.Status);
        await gateway.StopAsync(ct);
    }
}
