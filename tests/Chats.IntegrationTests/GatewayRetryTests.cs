using Chats.Gateway;
using Chats.Protos.V1;
using Chats.ServiceDefaults;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;

namespace Chats.IntegrationTests;

/// <summary>
/// A sampler that refuses a call before starting it (full: RESOURCE_EXHAUSTED; down: connection refused) is retried on
/// another one; only when every sampler refused does the client get a status, naming each. The full sampler is a real
/// host with <c>Sampler:MaxConcurrentGenerations=1</c> running a long generation; the down one is a port nobody listens on.
/// </summary>
[Collection(RunningSystem.Name)]
public sealed class GatewayRetryTests(ChatsSystemFixture fixture) : IAsyncDisposable
{
    private const int LongSteps = 500;
    private const string ClientKey = "gateway-retry-tests";
    private readonly TestHosts _hosts = new(fixture);
    private readonly string _arm = new ArmAssigner(Options.Create(new GatewayOptions())).Assign(ClientKey)!.Name;

    [Fact]
    public async Task OneSamplerFullAndOneDown_ClientGetsResourceExhaustedNamingBoth_AfterOneRetry()
    {
        var ct = TestContext.Current.CancellationToken;
        var (full, holding) = await StartFullSamplerAsync(ct);
        using var hold = holding;
        var down = new Uri($"http://127.0.0.1:{GatewayFailoverTests.FreePort()}/");
        var gateway = await _hosts.StartGatewayAsync([full.BoundAddresses()[0], down], ct);
        var before = await ReadAsync(gateway, ct);

        var error = await Assert.ThrowsAsync<RpcException>(() => GenerateAsync(gateway, ct));
        await GatewayFailoverTests.WaitForMetricAsync(gateway, Series.Exhausted, before[Series.Exhausted] + 1, ct);
        var after = await ReadAsync(gateway, ct);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.StartsWith("2 of 2 sampler(s) refused the generation: ", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains($"sampler sampler-0 ({full.BoundAddresses()[0]}) is full (the sampler is running its maximum number of generations; retry in 1 s)", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains($"sampler sampler-1 ({down}) is unreachable (Connection refused)", error.Status.Detail, StringComparison.Ordinal);
        Assert.EndsWith("; retry in 1 s", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("1000", error.Trailers.GetValue("grpc-retry-pushback-ms"));
        // Whichever sampler came first, the other was tried once, and then no more.
        Assert.Equal(1, after[Series.RetriesFull] + after[Series.RetriesUnreachable] - before[Series.RetriesFull] - before[Series.RetriesUnreachable]);
        Assert.Equal(before[Series.Assignments], after[Series.Assignments]);
        // The generation that fills the sampler is untouched.
        Assert.True(await hold.ResponseStream.MoveNext(ct));
    }

    [Fact]
    public async Task FullAndDownSamplers_AreRetriedOnAFreeOne_BeforeTheClientSeesAnError()
    {
        var ct = TestContext.Current.CancellationToken;
        var (full, holding) = await StartFullSamplerAsync(ct);
        using var hold = holding;
        var free = await _hosts.StartSamplerAsync(ct);
        var down = new Uri($"http://127.0.0.1:{GatewayFailoverTests.FreePort()}/");
        var gateway = await _hosts.StartGatewayAsync([full.BoundAddresses()[0], down, free.BoundAddresses()[0]], ct);
        using var fullCounter = new HostRequestCounter(full);
        using var freeCounter = new HostRequestCounter(free);
        var before = await ReadAsync(gateway, ct);

        // Each call's first sampler is PowerOfTwoChoices' pick among three idle ones (to the gateway): the full or the
        // down one a third of the time each. Calls go on until both refusals were seen (every 1.5 calls on average; 40
        // calls without one happen once in 10⁷ runs).
        int calls = 0;
        Dictionary<string, double> now;
        do
        {
            var events = await GenerateAsync(gateway, ct);
            Assert.NotEmpty(Assert.Single(events, e => e.EventCase == GenerateEvent.EventOneofCase.Image).Image.Png);
            calls++;
            now = await ReadAsync(gateway, ct);
        }
        while (calls < 40 && (now[Series.RetriesFull] == before[Series.RetriesFull] || now[Series.RetriesUnreachable] == before[Series.RetriesUnreachable]));

        await GatewayFailoverTests.WaitForMetricAsync(gateway, Series.Ok, before[Series.Ok] + calls, ct);
        // The arm is counted as the pipeline unwinds, just after the call's own count.
        await GatewayFailoverTests.WaitForMetricAsync(gateway, Series.ArmSeries(_arm), before[Series.Assignments] + calls, ct);
        var after = await ReadAsync(gateway, ct);
        Assert.True(after[Series.RetriesFull] > before[Series.RetriesFull], "no call was refused by the full sampler");
        Assert.True(after[Series.RetriesUnreachable] > before[Series.RetriesUnreachable], "no call was refused by the down sampler");
        await GatewayFailoverTests.WaitUntilAsync(() => freeCounter.Generations == calls, $"the free sampler to finish {calls} generations", ct);
        // Every call that reached the full sampler was refused there and retried.
        Assert.Equal(after[Series.RetriesFull] - before[Series.RetriesFull], fullCounter.Received);
        Assert.Equal(before[Series.Exhausted], after[Series.Exhausted]);
    }

    public async ValueTask DisposeAsync() => await _hosts.DisposeAsync();

    /// <summary>A sampler with one generation slot, taken by a long generation that runs until the returned call is disposed.</summary>
    private async Task<(WebApplication Sampler, AsyncServerStreamingCall<GenerateEvent> Hold)> StartFullSamplerAsync(CancellationToken ct)
    {
        var sampler = await _hosts.StartSamplerAsync(ct, new()
        {
            ["Sampler:MaxConcurrentGenerations"] = "1",
            ["Sampler:MaxSteps"] = $"{LongSteps}",
        });
        var channel = GrpcChannel.ForAddress(sampler.BoundAddresses()[0]);
        var hold = new Protos.V1.Sampler.SamplerClient(channel).Generate(Requests.Small("a circle that fills the sampler", GuidanceMode.Chats, steps: LongSteps), cancellationToken: ct);
        await GatewayFailoverTests.ReadProgressAsync(hold, steps: 1, ct);
        return (sampler, hold);
    }

    private static async Task<List<GenerateEvent>> GenerateAsync(WebApplication gateway, CancellationToken ct)
    {
        using var channel = GrpcChannel.ForAddress(gateway.BoundAddresses()[0]);
        var headers = new Metadata { { "x-client-key", ClientKey } };
        // No mode: the gateway assigns the client's arm, whose count must follow only the calls a sampler took.
        using var call = new Protos.V1.Sampler.SamplerClient(channel).Generate(Requests.Small("a retried circle", GuidanceMode.Unspecified, steps: 1), headers, cancellationToken: ct);
        var events = new List<GenerateEvent>();
        await foreach (var e in call.ResponseStream.ReadAllAsync(ct))
        {
            events.Add(e);
        }

        return events;
    }

    private async Task<Dictionary<string, double>> ReadAsync(WebApplication gateway, CancellationToken ct)
    {
        var values = new Dictionary<string, double>();
        foreach (string series in new[] { Series.RetriesFull, Series.RetriesUnreachable, Series.Exhausted, Series.Ok, Series.ArmSeries(_arm) })
        {
            values[series] = await MetricsScrape.ValueAsync(gateway.BoundAddresses()[1], series, ct);
        }

        values[Series.Assignments] = values[Series.ArmSeries(_arm)];
        return values;
    }

    private static class Series
    {
        public const string RetriesFull = "chats_gateway_retries_total{reason=\"full\"}";
        public const string RetriesUnreachable = "chats_gateway_retries_total{reason=\"unreachable\"}";
        public const string Exhausted = "chats_gateway_requests_total{code=\"ResourceExhausted\"}";
        public const string Ok = "chats_gateway_requests_total{code=\"OK\"}";
        public const string Assignments = "assignments";

        public static string ArmSeries(string arm) => $"chats_ab_assignments_total{{arm=\"{arm}\"}}";
    }
}
