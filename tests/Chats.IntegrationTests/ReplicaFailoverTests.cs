using Chats.Cli.Benchmarks;
using Chats.Cli.Processes;
using Chats.Client;
using Chats.Core.Sampling;
using Chats.Inference.Engine;
using Chats.Protos.V1;
using Chats.Sampler;
using Chats.ServiceDefaults;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Chats.IntegrationTests;

/// <summary>
/// Two θ+ replicas as their own processes (<c>chats serve denoiser</c>) behind an in-process sampler that lists both;
/// the running system's text encoder, θ− and decoder. Faults are real: kill -9 and SIGTERM to the process that holds
/// the generation's session, found from its own <c>/metrics</c>.
/// </summary>
[Collection(RunningSystem.Name)]
public sealed class ReplicaFailoverTests(ChatsSystemFixture fixture) : IAsyncDisposable
{
    // Long enough (on the tiny model, 128×128 px) that the fault lands mid-generation.
    private const int Steps = 150;
    private readonly List<WebApplication> _apps = [];
    private readonly List<ServiceProcess> _replicas = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }

        foreach (var replica in _replicas)
        {
            await replica.DisposeAsync();
        }
    }

    [Fact]
    public async Task KillNine_OfTheReplicaHoldingTheSession_MidGeneration_MovesIt_AndThePngIsByteIdentical()
    {
        var ct = TestContext.Current.CancellationToken;
        var (sampler, replicas) = await StartAsync(ct);
        using var client = new ChatsClient(sampler, SdkClients.WithoutRetries());
        var request = Request();
        byte[] reference = (await client.GenerateAsync(request, cancellationToken: ct)).Images[0].Png.ToByteArray();
        var before = await MetricsSnapshot.TakeAsync(ct);

        var (events, holder) = await FaultMidGenerationAsync(client, request, replicas, r =>
        {
            r.Kill();
            return Task.CompletedTask;
        }, ct);

        var moved = (await MetricsSnapshot.TakeAsync(ct)).Since(before).Sum("chats_sampler_session_failovers_total", ("role", "preferred"), ("failure", "unavailable"));
        Assert.Equal(1, moved);
        Assert.True(holder.HasExited);
        Assert.Equal(Steps, events.Count(e => e.EventCase == GenerateEvent.EventOneofCase.Progress));
        Assert.Equal(reference, events.Single(e => e.EventCase == GenerateEvent.EventOneofCase.Image).Image.Png.ToByteArray());
    }

    [Fact]
    public async Task Sigterm_ToTheReplicaHoldingTheSession_DrainsIt_ThenExitsZero_AndNewSessionsGoToTheOther()
    {
        var ct = TestContext.Current.CancellationToken;
        var (sampler, replicas) = await StartAsync(ct);
        using var client = new ChatsClient(sampler, SdkClients.WithoutRetries());
        var request = Request();
        byte[] reference = (await client.GenerateAsync(request, cancellationToken: ct)).Images[0].Png.ToByteArray();
        var before = await MetricsSnapshot.TakeAsync(ct);
        using var http = new HttpClient();
        int? drainingHealth = null;

        var (events, holder) = await FaultMidGenerationAsync(client, request, replicas, async r =>
        {
            r.Terminate();
            await Task.Delay(200, ct);
            drainingHealth = (int)(await http.GetAsync(new Uri(r.Http!, "/healthz"), ct)).StatusCode;
        }, ct);

        // The generation finished where it was: a drain lets in-flight sessions end; nothing moved.
        Assert.Equal(reference, events.Single(e => e.EventCase == GenerateEvent.EventOneofCase.Image).Image.Png.ToByteArray());
        Assert.Equal(0, (await MetricsSnapshot.TakeAsync(ct)).Since(before).Sum("chats_sampler_session_failovers_total"));
        Assert.Equal(503, drainingHealth);
        Assert.True(await holder.WaitForExitAsync(TimeSpan.FromSeconds(30)), holder.Tail);
        Assert.Equal(0, holder.ExitCode);

        // The next generation opens on the remaining replica (the drained one refused or is gone) and still matches.
        byte[] after = (await client.GenerateAsync(request, cancellationToken: ct)).Images[0].Png.ToByteArray();
        Assert.Equal(reference, after);
    }

    [Fact]
    public async Task EveryReplicaOfARoleDown_IsUnavailable_NamingTheRole()
    {
        var ct = TestContext.Current.CancellationToken;
        string Grpc(string role) => fixture.System.Services[role].Grpc.ToString();
        var sampler = await StartSamplerAsync(new()
        {
            ["Sampler:Preferred:0"] = $"http://127.0.0.1:{ServiceProcess.FreePort()}",
            ["Sampler:Preferred:1"] = $"http://127.0.0.1:{ServiceProcess.FreePort()}",
            ["Sampler:Dispreferred"] = Grpc("dispreferred"),
            ["Sampler:Standard"] = Grpc("standard"),
            ["Sampler:Failover:InitialBackoff"] = "00:00:00.010",
        }, ct);
        using var client = new ChatsClient(sampler, SdkClients.WithoutRetries());

        var e = await Assert.ThrowsAsync<RpcException>(() => client.GenerateAsync(Requests.Small("a red circle", Protos.V1.GuidanceMode.Chats), cancellationToken: ct));

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.StartsWith("no preferred replica could take the call (6 attempts over 2 replicas); last error: Unavailable:", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheFirstGeneration_AfterTheOnlyReplicaRestarted_Succeeds()
    {
        var ct = TestContext.Current.CancellationToken;
        string Grpc(string role) => fixture.System.Services[role].Grpc.ToString();
        var settings = PreferredSettings(maxSessions: 16).ToDictionary(kv => kv.Key, kv => kv.Value!);
        settings["Endpoints:GrpcPort"] = ServiceProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Endpoints:HttpPort"] = "-1";
        var replica = await ServiceProcess.StartAsync("preferred-only", "denoiser", settings, TimeSpan.FromMinutes(2), ct);
        _replicas.Add(replica);
        var sampler = await StartSamplerAsync(new()
        {
            ["Sampler:Preferred"] = replica.Grpc.ToString(),
            ["Sampler:Dispreferred"] = Grpc("dispreferred"),
            ["Sampler:Standard"] = Grpc("standard"),
        }, ct);
        using var client = new ChatsClient(sampler, SdkClients.WithoutRetries());
        var request = Requests.Small("a red circle", Protos.V1.GuidanceMode.Chats);
        byte[] reference = (await client.GenerateAsync(request, cancellationToken: ct)).Images[0].Png.ToByteArray();

        replica.Kill();
        Assert.True(await replica.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        var restarted = await ServiceProcess.StartAsync("preferred-only", "denoiser", settings, TimeSpan.FromMinutes(2), ct);
        _replicas.Add(restarted);

        // The channel saw its connection die; the retry (and its short reconnect backoff) makes the first call work.
        byte[] after = (await client.GenerateAsync(request, cancellationToken: ct)).Images[0].Png.ToByteArray();
        Assert.Equal(reference, after);
    }

    [Fact]
    public async Task ADnsAddress_MakesEveryRecordAReplica_AndServes()
    {
        var ct = TestContext.Current.CancellationToken;
        string Grpc(string role) => fixture.System.Services[role].Grpc.ToString();
        int port = fixture.System.Services["preferred"].Grpc.Port;
        var sampler = await StartSamplerAsync(new()
        {
            ["Sampler:Preferred"] = $"dns:///localhost:{port}",
            ["Sampler:Dispreferred"] = Grpc("dispreferred"),
            ["Sampler:Standard"] = Grpc("standard"),
        }, ct);
        using var client = new ChatsClient(sampler, SdkClients.WithoutRetries());

        var result = await client.GenerateAsync(Requests.Small("a red circle", Protos.V1.GuidanceMode.Chats), cancellationToken: ct);

        Assert.Single(result.Images);
        // localhost may also resolve to ::1, where nothing listens: that record is a replica too, tried, rested, passed over.
        int records = System.Net.Dns.GetHostAddresses("localhost").Length;
        var gauge = (await MetricsSnapshot.TakeAsync(ct)).Sum("chats_sampler_replicas", ("role", "preferred"));
        Assert.Equal(records, gauge);
    }

    [Fact]
    public async Task AFullReplica_IsPassedOver_ForAnotherOfItsRole()
    {
        var ct = TestContext.Current.CancellationToken;
        string Grpc(string role) => fixture.System.Services[role].Grpc.ToString();
        var full = await StartInProcessAsync(Chats.Denoiser.DenoiserServiceHost.Build, PreferredSettings(maxSessions: 1), ct);
        var free = await StartInProcessAsync(Chats.Denoiser.DenoiserServiceHost.Build, PreferredSettings(maxSessions: 4), ct);
        var sampler = await StartSamplerAsync(new()
        {
            ["Sampler:Preferred:0"] = full.BoundAddresses()[0].ToString(),
            ["Sampler:Preferred:1"] = free.BoundAddresses()[0].ToString(),
            ["Sampler:Dispreferred"] = Grpc("dispreferred"),
            ["Sampler:Standard"] = Grpc("standard"),
        }, ct);

        // Fill the first replica with a session of our own (it answers RESOURCE_EXHAUSTED to any other).
        using var channel = GrpcChannel.ForAddress(full.BoundAddresses()[0]);
        using var held = new Protos.V1.Denoiser.DenoiserClient(channel).Denoise(cancellationToken: ct);
        await held.RequestStream.WriteAsync(new DenoiseRequest { Open = await OpenAsync(ct) }, ct);
        await WaitForAsync(() => full.Services.GetRequiredService<DenoiserSessionEngine>().ActiveSessions == 1, ct);
        using var client = new ChatsClient(sampler, SdkClients.WithoutRetries());
        var before = await MetricsSnapshot.TakeAsync(ct);

        // Both look equally loaded to the sampler, which takes turns between equals: of two generations in a row, at
        // least one tries the full replica first, and must be moved to the free one rather than refused.
        for (int i = 0; i < 2; i++)
        {
            var result = await client.GenerateAsync(Requests.Small("a red circle", Protos.V1.GuidanceMode.Chats), cancellationToken: ct);
            Assert.Single(result.Images);
        }

        var since = (await MetricsSnapshot.TakeAsync(ct)).Since(before);
        Assert.InRange(since.Sum("chats_sampler_replica_failures_total", ("role", "preferred"), ("failure", "busy")), 1, 2);
    }

    private static GenerateRequest Request() => new()
    {
        Prompt = "a red circle and a blue square",
        Mode = Protos.V1.GuidanceMode.Chats,
        Steps = Steps,
        Seed = 11,
        Width = 128,
        Height = 128,
    };

    // Streams the generation; at step 10 finds the replica holding its session and applies the fault to it.
    private static async Task<(List<GenerateEvent> Events, ServiceProcess Holder)> FaultMidGenerationAsync(
        ChatsClient client, GenerateRequest request, IReadOnlyList<ServiceProcess> replicas, Func<ServiceProcess, Task> fault, CancellationToken ct)
    {
        var events = new List<GenerateEvent>();
        ServiceProcess? holder = null;
        using var http = new HttpClient();
        await foreach (var e in client.StreamAsync(request, ct))
        {
            events.Add(e);
            if (holder is null && e.EventCase == GenerateEvent.EventOneofCase.Progress && e.Progress.Step == 10)
            {
                foreach (var replica in replicas)
                {
                    string metrics = await http.GetStringAsync(new Uri(replica.Http!, "/metrics"), ct);
                    if (metrics.Split('\n').Any(l => l.StartsWith("chats_denoiser_active_sessions", StringComparison.Ordinal) && l.EndsWith(" 1", StringComparison.Ordinal)))
                    {
                        holder = replica;
                    }
                }

                Assert.NotNull(holder);
                await fault(holder);
            }
        }

        Assert.NotNull(holder);
        return (events, holder);
    }

    private async Task<(Uri Sampler, IReadOnlyList<ServiceProcess> Replicas)> StartAsync(CancellationToken ct)
    {
        string Grpc(string role) => fixture.System.Services[role].Grpc.ToString();
        var settings = PreferredSettings(maxSessions: 16).Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value!);
        settings["Endpoints:HttpPort"] = "0";
        for (int i = 0; i < 2; i++)
        {
            _replicas.Add(await ServiceProcess.StartAsync($"preferred-{i}", "denoiser", settings, TimeSpan.FromMinutes(2), ct));
        }

        var sampler = await StartSamplerAsync(new()
        {
            ["Sampler:Preferred:0"] = _replicas[0].Grpc.ToString(),
            ["Sampler:Preferred:1"] = _replicas[1].Grpc.ToString(),
            ["Sampler:Dispreferred"] = Grpc("dispreferred"),
            ["Sampler:Standard"] = Grpc("standard"),
        }, ct);
        return (sampler, _replicas);
    }

    private Dictionary<string, string?> PreferredSettings(int maxSessions) => new()
    {
        ["Denoiser:ModelPath"] = fixture.ModelPath,
        ["Denoiser:Role"] = "preferred",
        ["Denoiser:Component"] = DenoiserComponents.Preferred,
        // Every θ+ replica computes like the running system's: a moved session continues bit for bit.
        ["Denoiser:Threads"] = TorchThreads.ForDenoiser(DenoiserRole.Preferred).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Denoiser:MaxSessions"] = maxSessions.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Logging:LogLevel:Default"] = "Warning",
    };

    private async Task<Uri> StartSamplerAsync(Dictionary<string, string?> roles, CancellationToken ct)
    {
        string Grpc(string role) => fixture.System.Services[role].Grpc.ToString();
        roles["Sampler:ModelPath"] = fixture.ModelPath;
        roles["Sampler:TextEncoder"] = Grpc("text-encoder");
        roles["Sampler:Decoder"] = Grpc("decoder");
        var app = await StartInProcessAsync(SamplerServiceHost.Build, roles, ct);
        return app.BoundAddresses()[0];
    }

    private async Task<WebApplication> StartInProcessAsync(
        Func<string[], IReadOnlyDictionary<string, string?>?, WebApplication> build, Dictionary<string, string?> settings, CancellationToken ct)
    {
        settings["Endpoints:Host"] = "127.0.0.1";
        settings["Endpoints:GrpcPort"] = "0";
        settings["Endpoints:HttpPort"] = "0";
        settings["Logging:LogLevel:Default"] = "Warning";
        var app = build([], settings);
        _apps.Add(app);
        await app.StartAsync(ct);
        return app;
    }

    private async Task<SessionOpen> OpenAsync(CancellationToken ct)
    {
        using var channel = GrpcChannel.ForAddress(fixture.System.Services["text-encoder"].Grpc);
        var encoded = await new Protos.V1.TextEncoder.TextEncoderClient(channel).EncodeAsync(new EncodeRequest { Prompts = { "a held session" } }, cancellationToken: ct);
        var open = new SessionOpen { SessionId = "held/preferred", Dtype = DType.Float32 };
        open.Conditionings.Add(encoded.Conditionings[0]);
        return open;
    }

    private static async Task WaitForAsync(Func<bool> condition, CancellationToken ct)
    {
        for (int i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10, ct);
        }

        Assert.True(condition());
    }
}
