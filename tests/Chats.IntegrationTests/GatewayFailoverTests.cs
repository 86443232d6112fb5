using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Chats.Protos.V1;
using Chats.ServiceDefaults;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Chats.IntegrationTests;

/// <summary>
/// A sampler that fails during a call reaches the client as UNAVAILABLE naming the sampler, never as CANCELLED: killed
/// with SIGKILL (a real child process), its connection reset (a real RST from a relay), not listening at all, or ending
/// its response without a gRPC status.
/// </summary>
[Collection(RunningSystem.Name)]
public sealed class GatewayFailoverTests(ChatsSystemFixture fixture) : IAsyncDisposable
{
    // Long enough to be mid-generation for the whole test: the call is cut after a few steps.
    private const int LongSteps = 500;
    private const string Unavailable = "chats_gateway_requests_total{code=\"Unavailable\"}";
    private readonly TestHosts _hosts = new(fixture);

    [Fact]
    public async Task SamplerKilledMidGeneration_ThroughTheGateway_IsUnavailableNamingTheSampler()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var child = await ChildSampler.StartAsync(fixture, [$"--Sampler:MaxSteps={LongSteps}"], ct);
        var gateway = await _hosts.StartGatewayAsync([child.Address], ct);
        double before = await MetricsScrape.ValueAsync(gateway.BoundAddresses()[1], Unavailable, ct);
        using var channel = GrpcChannel.ForAddress(gateway.BoundAddresses()[0]);

        using var call = new Protos.V1.Sampler.SamplerClient(channel).Generate(Requests.Small("a killed circle", GuidanceMode.Chats, steps: LongSteps), cancellationToken: ct);
        await ReadProgressAsync(call, steps: 3, ct);
        int exitCode = await child.KillHardAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => DrainAsync(call, ct));

        Assert.Equal(137, exitCode);
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.StartsWith($"sampler sampler-0 ({child.Address}) failed mid-generation: ", error.Status.Detail, StringComparison.Ordinal);
        Assert.EndsWith("; retry", error.Status.Detail, StringComparison.Ordinal);
        await WaitForMetricAsync(gateway, Unavailable, before + 1, ct);
    }

    [Fact]
    public async Task SamplerKilledMidGeneration_CalledDirectly_TheGrpcClientAlsoReportsUnavailable()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var child = await ChildSampler.StartAsync(fixture, [$"--Sampler:MaxSteps={LongSteps}"], ct);
        using var channel = GrpcChannel.ForAddress(child.Address);

        using var call = new Protos.V1.Sampler.SamplerClient(channel).Generate(Requests.Small("a killed square", GuidanceMode.Chats, steps: LongSteps), cancellationToken: ct);
        await ReadProgressAsync(call, steps: 3, ct);
        await child.KillHardAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => DrainAsync(call, ct));

        // The comparison: grpc-dotnet itself maps a connection lost mid-stream to UNAVAILABLE; the gateway now agrees.
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public async Task ConnectionToSamplerReset_MidGeneration_IsUnavailableNamingTheSampler()
    {
        var ct = TestContext.Current.CancellationToken;
        var sampler = await _hosts.StartSamplerAsync(ct, new() { ["Sampler:MaxSteps"] = $"{LongSteps}" });
        await using var relay = new TcpRelay(sampler.BoundAddresses()[0]);
        var gateway = await _hosts.StartGatewayAsync([relay.Address], ct);
        using var channel = GrpcChannel.ForAddress(gateway.BoundAddresses()[0]);

        using var call = new Protos.V1.Sampler.SamplerClient(channel).Generate(Requests.Small("a reset circle", GuidanceMode.Chats, steps: LongSteps), cancellationToken: ct);
        await ReadProgressAsync(call, steps: 3, ct);
        relay.ResetAll();
        var error = await Assert.ThrowsAsync<RpcException>(() => DrainAsync(call, ct));

        Assert.Equal(1, relay.Accepted);
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.StartsWith($"sampler sampler-0 ({relay.Address}) failed mid-generation: ", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("reset", error.Status.Detail, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ConnectionToSamplerReset_BeforeItAnswered_IsUnavailableNamingTheSampler()
    {
        var ct = TestContext.Current.CancellationToken;
        var sampler = await _hosts.StartSamplerAsync(ct);
        await using var relay = new TcpRelay(sampler.BoundAddresses()[0]);
        var gateway = await _hosts.StartGatewayAsync([relay.Address], ct);
        using var received = new HostRequestCounter(sampler);
        using var channel = GrpcChannel.ForAddress(gateway.BoundAddresses()[0]);

        // The call reaches the sampler, which waits for the request message and so has answered nothing yet.
        using var held = new HeldGeneration(channel.CreateCallInvoker(), ct);
        await WaitUntilAsync(() => received.Received == 1, "the held call to reach the sampler", ct);
        relay.ResetAll();
        var error = await Assert.ThrowsAsync<RpcException>(async () => await held.ResponseStream.MoveNext(ct));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.StartsWith($"sampler sampler-0 ({relay.Address}) failed before answering: ", error.Status.Detail, StringComparison.Ordinal);
        Assert.EndsWith("; retry", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoSamplerListening_IsUnavailableNamingTheSampler_NotBadGateway()
    {
        var ct = TestContext.Current.CancellationToken;
        var refusing = new Uri($"http://127.0.0.1:{FreePort()}/");
        var gateway = await _hosts.StartGatewayAsync([refusing], ct);
        using var channel = GrpcChannel.ForAddress(gateway.BoundAddresses()[0]);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            DrainAsync(new Protos.V1.Sampler.SamplerClient(channel).Generate(Requests.Small("an unanswered circle", GuidanceMode.Chats), cancellationToken: ct), ct));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal($"1 of 1 sampler(s) refused the generation: sampler sampler-0 ({refusing}) is unreachable (Connection refused); retry", error.Status.Detail);
    }

    [Fact]
    public async Task SamplerResponseEndingWithoutStatus_ReachesTheClientAsUnavailable_NotOk()
    {
        var ct = TestContext.Current.CancellationToken;
        // Not a sampler: a server that answers Generate with one whole message and then ends the stream, no trailers.
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        await using var backend = builder.Build();
        byte[] started = new GenerateEvent { Started = new GenerationStarted { GenerationId = "no-trailers" } }.ToByteArray();
        backend.MapPost("/chats.v1.Sampler/Generate", async context =>
        {
            context.Response.ContentType = "application/grpc";
            var frame = new byte[5 + started.Length];
            BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)started.Length);
            started.CopyTo(frame, 5);
            await context.Response.Body.WriteAsync(frame, context.RequestAborted);
        });
        await backend.StartAsync(ct);
        var gateway = await _hosts.StartGatewayAsync([backend.BoundAddresses()[0]], ct);
        using var channel = GrpcChannel.ForAddress(gateway.BoundAddresses()[0]);

        using var call = new Protos.V1.Sampler.SamplerClient(channel).Generate(Requests.Small("a circle", GuidanceMode.Chats), cancellationToken: ct);
        Assert.True(await call.ResponseStream.MoveNext(ct));
        var first = call.ResponseStream.Current;
        var error = await Assert.ThrowsAsync<RpcException>(() => DrainAsync(call, ct));

        Assert.Equal("no-trailers", first.Started.GenerationId);
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal($"sampler sampler-0 ({backend.BoundAddresses()[0]}) ended the call without a gRPC status; retry", error.Status.Detail);
    }

    public async ValueTask DisposeAsync() => await _hosts.DisposeAsync();

    internal static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>Reads until the generation has run <paramref name="steps"/> steps.</summary>
    internal static async Task ReadProgressAsync(AsyncServerStreamingCall<GenerateEvent> call, int steps, CancellationToken ct)
    {
        while (await call.ResponseStream.MoveNext(ct))
        {
            if (call.ResponseStream.Current.EventCase == GenerateEvent.EventOneofCase.Progress && call.ResponseStream.Current.Progress.Step >= steps)
            {
                return;
            }
        }

        Assert.Fail("the generation ended before it was interrupted");
    }

    internal static async Task DrainAsync(AsyncServerStreamingCall<GenerateEvent> call, CancellationToken ct)
    {
        while (await call.ResponseStream.MoveNext(ct))
        {
        }
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, string what, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for {what}");
            }

            await Task.Delay(20, ct);
        }
    }

    internal static async Task WaitForMetricAtLeastAsync(WebApplication host, string series, double least, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        double value;
        while ((value = await MetricsScrape.ValueAsync(host.BoundAddresses()[1], series, ct)) < least && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, ct);
        }

        Assert.True(value >= least, $"{series} is {value}, expected at least {least}");
    }

    internal static async Task WaitForMetricAsync(WebApplication host, string series, double expected, CancellationToken ct)
    {
        // The gateway counts a call as its pipeline unwinds, just after the client has read the status.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        double value;
        while ((value = await MetricsScrape.ValueAsync(host.BoundAddresses()[1], series, ct)) != expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, ct);
        }

        Assert.Equal(expected, value);
    }
}
