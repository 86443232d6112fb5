using Chats.Client;
using Chats.Gateway;
using Chats.Protos.V1;
using Chats.Sampler;
using Chats.ServiceDefaults;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy;

namespace Chats.IntegrationTests;

/// <summary>
/// The gateway balances generations across samplers with PowerOfTwoChoices. Two real sampler hosts share the running
/// system's text encoder, denoisers and decoder, behind a gateway of their own that lists both.
/// </summary>
/// <remarks>
/// With two samplers PowerOfTwoChoices always compares both and takes the one with fewer calls in flight, so a call
/// held open on one sampler sends every new generation to the other: the placement is certain, not a matter of
/// chance. Without the load-balancing step YARP picks at random, and five generations all avoiding the busy sampler
/// would happen only once in 32 runs.
/// </remarks>
[Collection(RunningSystem.Name)]
public sealed class GatewayLoadBalancingTests(ChatsSystemFixture fixture) : IAsyncDisposable
{
    // Five short generations per phase, while a held call waits: well inside the five seconds a sampler's Kestrel
    // lets a request body stay silent (see HeldGeneration).
    private const int GenerationsPerPhase = 5;
    private static readonly TimeSpan s_waitLimit = TimeSpan.FromSeconds(30);
    private readonly List<WebApplication> _apps = [];

    [Fact]
    public async Task TwoSamplers_EachNewGenerationGoesToTheOneWithFewerInFlight_SoBothServe()
    {
        var ct = TestContext.Current.CancellationToken;
        var samplers = new[] { await StartSamplerAsync(ct), await StartSamplerAsync(ct) };
        foreach (var sampler in samplers)
        {
            // The first generation on a new sampler opens its channels; keep that out of the timed phases.
            using var direct = new ChatsClient(sampler.BoundAddresses()[0]);
            await direct.GenerateAsync(Requests.Small("a warm-up circle", GuidanceMode.Chats, steps: 1), cancellationToken: ct);
        }

        var gateway = await StartAsync(GatewayHost.Build, new()
        {
            ["Gateway:Samplers:0"] = samplers[0].BoundAddresses()[0].ToString(),
            ["Gateway:Samplers:1"] = samplers[1].BoundAddresses()[0].ToString(),
        }, ct);
        var proxy = gateway.Services.GetRequiredService<IProxyStateLookup>();
        // Calls the gateway counts in flight, over both samplers: what PowerOfTwoChoices compares. YARP lowers the
        // count just after the response completes, so a caller can see its call end before the count drops.
        int InFlight() => proxy.TryGetCluster("sampler", out var cluster)
            ? cluster.DestinationsState.AllDestinations.Sum(d => d.ConcurrentRequestCount)
            : throw new InvalidOperationException("the gateway has no sampler cluster");

        using var counterA = new HostRequestCounter(samplers[0]);
        using var counterB = new HostRequestCounter(samplers[1]);
        var counters = new[] { counterA, counterB };
        using var channel = GrpcChannel.ForAddress(gateway.BoundAddresses()[0]);
        using var client = new ChatsClient(gateway.BoundAddresses()[0]);

        // Phase 1: a call held on one sampler (whichever the gateway picks); every generation goes to the other.
        using var firstHeld = new HeldGeneration(channel.CreateCallInvoker(), ct);
        await WaitUntilAsync(() => counterA.Received + counterB.Received == 1, "the first held call to reach a sampler", ct);
        int busy = counterA.Received == 1 ? 0 : 1;
        int idle = 1 - busy;
        await GenerateWhileHeldAsync(client, InFlight, ct);
        Assert.Equal(1, counters[busy].Received);
        Assert.Equal(GenerationsPerPhase, counters[idle].Received);

        // Phase 2: a second held call goes to the idle sampler; once the first is released, every generation goes
        // to the sampler that was busy.
        using var secondHeld = new HeldGeneration(channel.CreateCallInvoker(), ct);
        await WaitUntilAsync(() => counterA.Received + counterB.Received == GenerationsPerPhase + 2, "the second held call to reach a sampler", ct);
        Assert.Equal(GenerationsPerPhase + 1, counters[idle].Received);
        AssertOneImage(await firstHeld.ReleaseAsync(Requests.Small("a held circle", GuidanceMode.Chats, steps: 1), ct));
        await GenerateWhileHeldAsync(client, InFlight, ct);
        Assert.Equal(GenerationsPerPhase + 1, counters[busy].Received);
        AssertOneImage(await secondHeld.ReleaseAsync(Requests.Small("a held square", GuidanceMode.Chats, steps: 1), ct));

        // Each sampler finished its held call and one phase of generations. The server records a call's end just
        // after the client has read it, hence the wait.
        await WaitUntilAsync(
            () => counterA.Generations == GenerationsPerPhase + 1 && counterB.Generations == GenerationsPerPhase + 1,
            $"both samplers to finish {GenerationsPerPhase + 1} generations", ct);
    }

    public async ValueTask DisposeAsync()
    {
        // Gateway first, so nothing new reaches a sampler that is stopping.
        for (int i = _apps.Count - 1; i >= 0; i--)
        {
            await _apps[i].StopAsync();
            await _apps[i].DisposeAsync();
        }
    }

    /// <summary>Runs the phase's generations one after another, each once only the held call is in flight.</summary>
    private static async Task GenerateWhileHeldAsync(ChatsClient client, Func<int> inFlight, CancellationToken ct)
    {
        for (int i = 0; i < GenerationsPerPhase; i++)
        {
            await WaitUntilAsync(() => inFlight() == 1, "the gateway to count only the held call in flight", ct);
            var result = await client.GenerateAsync(Requests.Small($"a balanced circle {i}", GuidanceMode.Chats, steps: 1), cancellationToken: ct);
            Assert.NotEmpty(Assert.Single(result.Images).Png);
        }
    }

    private static void AssertOneImage(IReadOnlyList<GenerateEvent> events) =>
        Assert.NotEmpty(Assert.Single(events, e => e.EventCase == GenerateEvent.EventOneofCase.Image).Image.Png);

    private static async Task WaitUntilAsync(Func<bool> condition, string what, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + s_waitLimit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out after {s_waitLimit.TotalSeconds} s waiting for {what}");
            }

            await Task.Delay(10, ct);
        }
    }

    private Task<WebApplication> StartSamplerAsync(CancellationToken ct)
    {
        string Grpc(string role) => fixture.System.Services[role].Grpc.ToString();
        return StartAsync(SamplerServiceHost.Build, new()
        {
            ["Sampler:ModelPath"] = fixture.ModelPath,
            ["Sampler:TextEncoder"] = Grpc("text-encoder"),
            ["Sampler:Preferred"] = Grpc("preferred"),
            ["Sampler:Dispreferred"] = Grpc("dispreferred"),
            ["Sampler:Standard"] = Grpc("standard"),
            ["Sampler:Decoder"] = Grpc("decoder"),
        }, ct);
    }

    private async Task<WebApplication> StartAsync(
        Func<string[], IReadOnlyDictionary<string, string?>?, WebApplication> build, Dictionary<string, string?> settings, CancellationToken ct)
    {
        settings["Endpoints:Host"] = "127.0.0.1";
        settings["Endpoints:GrpcPort"] = "0";
        settings["Endpoints:HttpPort"] = "0";
        settings["Logging:LogLevel:Default"] = "Warning";
        settings["Logging:LogLevel:Microsoft.AspNetCore.DataProtection"] = "Error";
        var app = build([], settings);
        _apps.Add(app);
        await app.StartAsync(ct);
        return app;
    }
}
