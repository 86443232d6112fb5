using Chats.Client;
using Chats.Protos.V1;
using Chats.ServiceDefaults;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;

namespace Chats.IntegrationTests;

/// <summary>
/// A service told to stop (what SIGTERM does to its host) drains: NOT_SERVING, new calls refused with UNAVAILABLE,
/// in-flight calls finish; past <c>Endpoints:DrainTimeout</c> they end with UNAVAILABLE, never CANCELLED.
/// </summary>
[Collection(RunningSystem.Name)]
public sealed class DrainTests(ChatsSystemFixture fixture) : IAsyncDisposable
{
    private readonly TestHosts _hosts = new(fixture);

    public ValueTask DisposeAsync() => _hosts.DisposeAsync();

    private static GenerateRequest LongRequest(ulong seed) => new()
    {
        Prompt = "a red circle",
        Mode = GuidanceMode.Chats,
        Steps = 150,
        Seed = seed,
        Width = 128,
        Height = 128,
    };

    [Fact]
    public async Task Draining_RefusesNewGenerations_ReportsNotServing_AndFinishesTheOneInFlight()
    {
        var ct = TestContext.Current.CancellationToken;
        var sampler = await StartSamplerAsync(TimeSpan.FromSeconds(60), ct);
        var address = sampler.BoundAddresses()[0];
        using var client = new ChatsClient(address, SdkClients.WithoutRetries());
        using var channel = GrpcChannel.ForAddress(address);
        var health = new Health.HealthClient(channel);
        Task? stopping = null;
        HealthCheckResponse.Types.ServingStatus? whileDraining = null;
        RpcException? refused = null;
        var events = new List<GenerateEvent>();

        await foreach (var e in client.StreamAsync(LongRequest(3), ct))
        {
            events.Add(e);
            if (stopping is null && e.EventCase == GenerateEvent.EventOneofCase.Progress && e.Progress.Step == 5)
            {
                stopping = sampler.StopAsync(CancellationToken.None);
                await WaitUntilDrainingAsync(sampler, ct);
                whileDraining = (await health.CheckAsync(new HealthCheckRequest { Service = Protos.V1.Sampler.Descriptor.FullName }, cancellationToken: ct)).Status;
                refused = await Assert.ThrowsAsync<RpcException>(() => client.GenerateAsync(Requests.Small("a blue square", GuidanceMode.Chats), cancellationToken: ct));
            }
        }

        Assert.NotNull(stopping);
        await stopping;
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, whileDraining);
        Assert.Equal(StatusCode.Unavailable, refused!.StatusCode);
        Assert.Contains("chats.v1.Sampler is draining", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(150, events.Count(e => e.EventCase == GenerateEvent.EventOneofCase.Progress));
        Assert.Single(events, e => e.EventCase == GenerateEvent.EventOneofCase.Image);
    }

    [Fact]
    public async Task ADrainingGateway_FinishesTheGenerationItProxies_AndRefusesNewOnes()
    {
        var ct = TestContext.Current.CancellationToken;
        var gateway = await _hosts.StartGatewayAsync([fixture.System.Services["sampler"].Grpc], ct);
        using var client = new ChatsClient(gateway.BoundAddresses()[0], SdkClients.WithoutRetries());
        Task? stopping = null;
        RpcException? refused = null;
        var events = new List<GenerateEvent>();

        await foreach (var e in client.StreamAsync(LongRequest(5), ct))
        {
            events.Add(e);
            if (stopping is null && e.EventCase == GenerateEvent.EventOneofCase.Progress && e.Progress.Step == 5)
            {
                stopping = gateway.StopAsync(CancellationToken.None);
                await WaitUntilDrainingAsync(gateway, ct);
                refused = await Assert.ThrowsAsync<RpcException>(() => client.GenerateAsync(Requests.Small("a blue square", GuidanceMode.Chats), cancellationToken: ct));
            }
        }

        await stopping!;
        Assert.Equal(StatusCode.Unavailable, refused!.StatusCode);
        Assert.Contains("the gateway is draining", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Single(events, e => e.EventCase == GenerateEvent.EventOneofCase.Image);
    }

    [Fact]
    public async Task AGenerationStillRunning_WhenTheDrainTimeoutPasses_EndsWithUnavailable_NotCancelled()
    {
        var ct = TestContext.Current.CancellationToken;
        var sampler = await StartSamplerAsync(TimeSpan.FromMilliseconds(200), ct);
        using var client = new ChatsClient(sampler.BoundAddresses()[0], SdkClients.WithoutRetries());
        Task? stopping = null;

        var e = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var ev in client.StreamAsync(LongRequest(4), ct))
            {
                if (stopping is null && ev.EventCase == GenerateEvent.EventOneofCase.Progress && ev.Progress.Step == 5)
                {
                    stopping = sampler.StopAsync(CancellationToken.None);
                }
            }
        });

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Contains("shut down before this call finished (Endpoints:DrainTimeout passed); retry", e.Status.Detail, StringComparison.Ordinal);
        await stopping!;
    }

    private static async Task WaitUntilDrainingAsync(WebApplication app, CancellationToken ct)
    {
        var drain = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<ServiceDrain>(app.Services);
        for (int i = 0; i < 500 && !drain.IsDraining; i++)
        {
            await Task.Delay(10, ct);
        }

        Assert.True(drain.IsDraining);
    }

    private Task<WebApplication> StartSamplerAsync(TimeSpan drainTimeout, CancellationToken ct)
        => _hosts.StartSamplerAsync(ct, new Dictionary<string, string?>
        {
            ["Endpoints:DrainTimeout"] = drainTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        });
}
