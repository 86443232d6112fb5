using Chats.Gateway;
using Chats.Gateway.Auth;
using Chats.Gateway.HttpApi;
using Chats.Protos.V1;
using Chats.ServiceDefaults;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Chats.IntegrationTests;

/// <summary>
/// API keys, per-key limits and the arm override at a real gateway in front of a real sampler, called with a real gRPC
/// client: each refusal's status, detail, retry hint and metric, and the calls a key may make.
/// </summary>
[Collection(RunningSystem.Name)]
public sealed class GatewayAuthTests(ChatsSystemFixture fixture) : IAsyncDisposable
{
    private const string AliceKey = "alice-0b7f3c9e-test-key";
    private const string OpsKey = "ops-5d21a8f4-test-key";
    private const int LongSteps = 500;
    private readonly TestHosts _hosts = new(fixture);

    [Fact]
    public async Task WithoutAKnownKey_CallsAreUnauthenticated_NamingTheMetadata_AndTheRightKeyGenerates()
    {
        var ct = TestContext.Current.CancellationToken;
        var gateway = await StartAsync(AuthOn(), ct);
        var before = await ScrapeAsync(gateway, ct);

        var missing = await Assert.ThrowsAsync<RpcException>(() => GenerateAsync(gateway, [], ct));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => GenerateAsync(gateway, Bearer("not-a-key-of-this-gateway"), ct));
        var malformed = await Assert.ThrowsAsync<RpcException>(() => GenerateAsync(gateway, new Metadata { { "authorization", "Basic " + AliceKey } }, ct));
        var (headers, events) = await GenerateAsync(gateway, Bearer(AliceKey), ct);

        Assert.Equal(StatusCode.Unauthenticated, missing.StatusCode);
        Assert.StartsWith("authorization: missing; ", missing.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unauthenticated, unknown.StatusCode);
        Assert.Equal("authorization: the API key is not one of this gateway's keys (Gateway:Auth:Keys)", unknown.Status.Detail);
        Assert.Equal(StatusCode.Unauthenticated, malformed.StatusCode);
        Assert.StartsWith("authorization: not of the form 'Bearer <key>'", malformed.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(AliceKey, malformed.Status.Detail, StringComparison.Ordinal);
        Assert.NotEmpty(Assert.Single(events, e => e.EventCase == GenerateEvent.EventOneofCase.Image).Image.Png);
        Assert.Equal("chats", headers.GetValue("x-chats-arm"));

        // Each call counted once when it ended, by its arm (the one its client key is assigned) and final status.
        await GatewayFailoverTests.WaitForMetricAsync(gateway, ArmRequests("chats", "OK"), before[ArmRequests("chats", "OK")] + 1, ct);
        var after = await ScrapeAsync(gateway, ct);
        Assert.Equal(3, after[ArmRequests("chats", "Unauthenticated")] - before[ArmRequests("chats", "Unauthenticated")]);
        Assert.Equal(4, after[ArmSecondsCount("chats")] - before[ArmSecondsCount("chats")]);
        Assert.Equal(1, after[AuthFailures("missing")] - before[AuthFailures("missing")]);
        Assert.Equal(1, after[AuthFailures("unknown")] - before[AuthFailures("unknown")]);
        Assert.Equal(1, after[AuthFailures("malformed")] - before[AuthFailures("malformed")]);
    }

    [Fact]
    public async Task TheHttpDoor_GoesThroughTheSameKeysAndLimits_401WithoutAKey_429OverTheRate_403ForAnOverride()
    {
        var ct = TestContext.Current.CancellationToken;
        var gateway = await StartAsync(AuthOnWithAliceRateLimited(), ct);
        var api = new Uri(gateway.HttpApiAddress()!, "/v1/images/generations");
        using var http = new HttpClient();
        const string Body = """{"prompt": "a red circle", "size": "32x32", "steps": 2}""";

        using var missing = await PostAsync(http, api, Body, key: null, ct);
        using var admitted = await PostAsync(http, api, Body, AliceKey, ct);
        using var limited = await PostAsync(http, api, Body, AliceKey, ct);
        using var overridden = await PostAsync(http, api, Body, OpsKey, ct, ("x-chats-arm-override", "cfg"));
        using var notAllowed = await PostAsync(http, new Uri(gateway.HttpApiAddress()!, "/v1/generations:stream"), Body, AliceKey, ct, ("x-chats-arm-override", "cfg"));

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.StartsWith("authorization: missing", await ErrorMessageAsync(missing, ct), StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.OK, admitted.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {limited.Headers.RetryAfter}");
        Assert.StartsWith("API key 'alice' is over the rate limit", await ErrorMessageAsync(limited, ct), StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.OK, overridden.StatusCode);
        using (var json = System.Text.Json.JsonDocument.Parse(await overridden.Content.ReadAsStringAsync(ct)))
        {
            Assert.Equal("cfg", json.RootElement.GetProperty("chats").GetProperty("arm").GetString());
        }

        Assert.Equal(System.Net.HttpStatusCode.Forbidden, notAllowed.StatusCode);
        Assert.Contains(ArmOverride.Header, await ErrorMessageAsync(notAllowed, ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithAuthOn_HealthAndMetricsNeedNoKey_ReflectionNeedsOne()
    {
        var ct = TestContext.Current.CancellationToken;
        var gateway = await StartAsync(AuthOn(), ct);
        using var channel = GrpcChannel.ForAddress(gateway.BoundAddresses()[0]);
        using var http = new HttpClient();

        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), cancellationToken: ct);
        string metrics = await http.GetStringAsync(new Uri(gateway.BoundAddresses()[1], "metrics"), ct);
        string healthz = await http.GetStringAsync(new Uri(gateway.BoundAddresses()[1], "healthz"), ct);
        var refused = await Assert.ThrowsAsync<RpcException>(() => ListServicesAsync(channel, [], ct));
        var services = await ListServicesAsync(channel, Bearer(AliceKey), ct);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        Assert.Contains("chats_gateway_requests_total", metrics, StringComparison.Ordinal);
        Assert.Equal("ok", healthz);
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.StartsWith("authorization: missing", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("chats.v1.Sampler", services);
    }

    [Fact]
    public async Task OverItsRateLimit_AKeyGetsResourceExhaustedWithRetryAfter_AndIsAdmittedAfterTheWait()
    {
        var ct = TestContext.Current.CancellationToken;
        var gateway = await StartAsync(AuthOnWithAliceRateLimited(), ct);
        var before = await ScrapeAsync(gateway, ct);

        await GenerateAsync(gateway, Bearer(AliceKey), ct);
        var limited = await Assert.ThrowsAsync<RpcException>(() => GenerateAsync(gateway, Bearer(AliceKey), ct));
        // Another key has its own bucket.
        await GenerateAsync(gateway, Bearer(OpsKey), ct);

        Assert.Equal(StatusCode.ResourceExhausted, limited.StatusCode);
        Assert.StartsWith("API key 'alice' is over the rate limit of 6 requests per minute, bursts of 1 (Gateway:Auth:Keys:0:RequestsPerMinute); retry in ", limited.Status.Detail, StringComparison.Ordinal);
        long retryAfterMs = long.Parse(limited.Trailers.GetValue("retry-after-ms")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfterMs, 100, 10_000);

        await Task.Delay(TimeSpan.FromMilliseconds(retryAfterMs), ct);
        // The limiter refills on a 100 ms heartbeat: the wait it gave may be a beat early on a slow machine.
        var events = await UntilAdmittedAsync(() => GenerateAsync(gateway, Bearer(AliceKey), ct), ct);
        Assert.Contains(events, e => e.EventCase == GenerateEvent.EventOneofCase.Image);

        await GatewayFailoverTests.WaitForMetricAtLeastAsync(gateway, ArmRequests("chats", "OK"), before[ArmRequests("chats", "OK")] + 3, ct);
        var after = await ScrapeAsync(gateway, ct);
        Assert.True(after[RateLimited("requests_per_minute")] - before[RateLimited("requests_per_minute")] >= 1);
        Assert.Equal(after[RateLimited("requests_per_minute")] - before[RateLimited("requests_per_minute")], after[ArmRequests("chats", "ResourceExhausted")] - before[ArmRequests("chats", "ResourceExhausted")]);
    }

    [Fact]
    public async Task AtItsConcurrencyLimit_AKeysNextGenerationIsRefused_UntilOneEnds()
    {
        var ct = TestContext.Current.CancellationToken;
        var settings = AuthOn();
        settings["Gateway:Auth:Keys:0:MaxConcurrentGenerations"] = "2";
        var gateway = await StartAsync(settings, ct, new() { ["Sampler:MaxSteps"] = $"{LongSteps}" });
        var before = await ScrapeAsync(gateway, ct);
        using var channel = GrpcChannel.ForAddress(gateway.BoundAddresses()[0]);
        var client = new Protos.V1.Sampler.SamplerClient(channel);
        using var cancelFirst = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var longRequest = Requests.Small("a long held circle", GuidanceMode.Chats, steps: LongSteps);
        using var first = client.Generate(longRequest, Bearer(AliceKey), cancellationToken: cancelFirst.Token);
        using var second = client.Generate(longRequest, Bearer(AliceKey), cancellationToken: ct);
        await GatewayFailoverTests.ReadProgressAsync(first, steps: 1, ct);
        await GatewayFailoverTests.ReadProgressAsync(second, steps: 1, ct);

        var refused = await Assert.ThrowsAsync<RpcException>(() => GenerateAsync(gateway, Bearer(AliceKey), ct));
        // Another key is not held back by alice's generations.
        await GenerateAsync(gateway, Bearer(OpsKey), ct);
        await cancelFirst.CancelAsync();
        var events = await UntilAdmittedAsync(() => GenerateAsync(gateway, Bearer(AliceKey), ct), ct);

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal("API key 'alice' already has 2 generation(s) running, the most allowed (Gateway:Auth:Keys:0:MaxConcurrentGenerations); retry in 1 s", refused.Status.Detail);
        Assert.Equal("1000", refused.Trailers.GetValue("retry-after-ms"));
        Assert.Contains(events, e => e.EventCase == GenerateEvent.EventOneofCase.Image);
        // The second long generation ran on, untouched.
        Assert.True(await second.ResponseStream.MoveNext(ct));
        var after = await ScrapeAsync(gateway, ct);
        Assert.True(after[RateLimited("concurrent_generations")] - before[RateLimited("concurrent_generations")] >= 1);
    }

    [Fact]
    public async Task WithAuthOff_TheAnonymousConcurrencyLimit_IsSharedByEveryCaller()
    {
        var ct = TestContext.Current.CancellationToken;
        var settings = Arms();
        settings["Gateway:Auth:AnonymousMaxConcurrentGenerations"] = "1";
        var gateway = await StartAsync(settings, ct, new() { ["Sampler:MaxSteps"] = $"{LongSteps}" });
        using var channel = GrpcChannel.ForAddress(gateway.BoundAddresses()[0]);
        using var cancelHeld = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var held = new Protos.V1.Sampler.SamplerClient(channel).Generate(
            Requests.Small("a long anonymous circle", GuidanceMode.Chats, steps: LongSteps), new Metadata { { "x-client-key", "one-caller" } }, cancellationToken: cancelHeld.Token);
        await GatewayFailoverTests.ReadProgressAsync(held, steps: 1, ct);

        var refused = await Assert.ThrowsAsync<RpcException>(() => GenerateAsync(gateway, new Metadata { { "x-client-key", "another-caller" } }, ct));
        await cancelHeld.CancelAsync();
        var events = await UntilAdmittedAsync(() => GenerateAsync(gateway, [], ct), ct);

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal("callers without an API key already have 1 generation(s) running, the most allowed (Gateway:Auth:AnonymousMaxConcurrentGenerations); retry in 1 s", refused.Status.Detail);
        Assert.Contains(events, e => e.EventCase == GenerateEvent.EventOneofCase.Image);
    }

    [Fact]
    public async Task ArmOverride_IsHonouredForAnAllowedKey_AndRefusedForOthers()
    {
        var ct = TestContext.Current.CancellationToken;
        var gateway = await StartAsync(AuthOn(), ct);
        var open = await StartGatewayAsync(Arms(), ct);

        // cfg has weight 0: only the override reaches it.
        var (headers, events) = await GenerateAsync(gateway, Bearer(OpsKey, arm: "cfg"), ct);
        var denied = await Assert.ThrowsAsync<RpcException>(() => GenerateAsync(gateway, Bearer(AliceKey, arm: "cfg"), ct));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => GenerateAsync(gateway, Bearer(OpsKey, arm: "no-such-arm"), ct));
        var anonymous = await Assert.ThrowsAsync<RpcException>(() => GenerateAsync(open, new Metadata { { ArmOverride.Header, "cfg" } }, ct));
        var (_, withoutOverride) = await GenerateAsync(gateway, Bearer(OpsKey), ct);

        var started = events.First(e => e.EventCase == GenerateEvent.EventOneofCase.Started).Started;
        Assert.Equal("cfg", headers.GetValue("x-chats-arm"));
        Assert.Equal("cfg", started.Arm);
        Assert.Equal(GuidanceMode.Cfg, started.Mode);
        Assert.Equal("chats", withoutOverride.First(e => e.EventCase == GenerateEvent.EventOneofCase.Started).Started.Arm);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Equal("x-chats-arm-override: API key 'alice' may not choose its arm (its AllowArmOverride is false)", denied.Status.Detail);
        Assert.Equal(StatusCode.InvalidArgument, unknown.StatusCode);
        Assert.Equal("x-chats-arm-override = 'no-such-arm': not an arm of this gateway; use one of chats, cfg", unknown.Status.Detail);
        Assert.Equal(StatusCode.PermissionDenied, anonymous.StatusCode);
        Assert.StartsWith("x-chats-arm-override: choosing the arm needs an API key allowed to", anonymous.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ArmOverride_WithAuthOff_IsHonouredOnlyWhenAllowed()
    {
        var ct = TestContext.Current.CancellationToken;
        var settings = Arms();
        settings["Gateway:Auth:AllowArmOverrideWithoutAuth"] = "true";
        var gateway = await StartGatewayAsync(settings, ct);

        var (headers, _) = await GenerateAsync(gateway, new Metadata { { ArmOverride.Header, "cfg" } }, ct);

        Assert.Equal("cfg", headers.GetValue("x-chats-arm"));
    }

    [Fact]
    public async Task ArmWeights_FollowTheConfigFile_WithoutARestart_AndABadEditKeepsTheLastGoodArms()
    {
        var ct = TestContext.Current.CancellationToken;
        string folder = Directory.CreateTempSubdirectory("chats-arms-").FullName;
        try
        {
            string file = Path.Combine(folder, "gateway.json");
            WriteArms(file, """[{ "Name": "chats", "Mode": "chats", "Weight": 1 }, { "Name": "cfg", "Mode": "cfg", "Weight": 0 }]""");
            var gateway = await StartGatewayAsync(new() { ["Gateway:ConfigFile"] = file }, ct);
            var assigner = gateway.Services.GetRequiredService<ArmAssigner>();
            var clients = Enumerable.Range(0, 12).Select(i => $"reload-client-{i}").ToList();
            Assert.All(clients, c => Assert.Equal("chats", assigner.Assign(c)!.Name));
            Assert.Equal("chats", (await GenerateAsync(gateway, new Metadata { { "x-client-key", clients[0] } }, ct)).Headers.GetValue("x-chats-arm"));

            WriteArms(file, """[{ "Name": "chats", "Mode": "chats", "Weight": 0 }, { "Name": "cfg", "Mode": "cfg", "Weight": 1 }]""");
            await WaitAsync(() => assigner.Assign(clients[0])!.Name == "cfg", "the gateway to load the new weights", ct);
            foreach (string client in clients)
            {
                var (headers, events) = await GenerateAsync(gateway, new Metadata { { "x-client-key", client } }, ct);
                Assert.Equal("cfg", headers.GetValue("x-chats-arm"));
                Assert.Equal(GuidanceMode.Cfg, events.First(e => e.EventCase == GenerateEvent.EventOneofCase.Started).Started.Mode);
            }

            // An edit that fails validation is refused: the configuration holds it, the arms stay the last good ones.
            WriteArms(file, """[{ "Name": "cfg", "Mode": "not-a-mode", "Weight": 1 }]""");
            await WaitAsync(() => gateway.Configuration["Gateway:Arms:0:Mode"] == "not-a-mode", "the configuration to reload", ct);
            await Task.Delay(500, ct);
            Assert.Equal(["chats", "cfg"], assigner.Arms.Select(a => a.Name));
            Assert.Equal("cfg", (await GenerateAsync(gateway, new Metadata { { "x-client-key", clients[1] } }, ct)).Headers.GetValue("x-chats-arm"));

            // And the next good edit is taken.
            WriteArms(file, """[{ "Name": "chats-only", "Mode": "chats", "Weight": 1 }]""");
            await WaitAsync(() => assigner.Assign(clients[0])!.Name == "chats-only", "the gateway to load the edit after the bad one", ct);
            Assert.Equal("chats-only", (await GenerateAsync(gateway, new Metadata { { "x-client-key", clients[2] } }, ct)).Headers.GetValue("x-chats-arm"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    public async ValueTask DisposeAsync() => await _hosts.DisposeAsync();

    /// <summary>Auth on with two keys: alice (limits from the defaults) and ops (may override its arm); arms chats 1, cfg 0.</summary>
    private static Dictionary<string, string?> AuthOn()
    {
        var settings = Arms();
        settings["Gateway:Auth:Enabled"] = "true";
        settings["Gateway:Auth:Keys:0:Name"] = "alice";
        settings["Gateway:Auth:Keys:0:Sha256"] = ApiKeyStore.Hash(AliceKey);
        settings["Gateway:Auth:Keys:1:Name"] = "ops";
        settings["Gateway:Auth:Keys:1:Sha256"] = ApiKeyStore.Hash(OpsKey);
        settings["Gateway:Auth:Keys:1:AllowArmOverride"] = "true";
        return settings;
    }

    // 6 a minute with bursts of 1: a token every 10 s, so alice's second call, made at once, is over the limit.
    private static Dictionary<string, string?> AuthOnWithAliceRateLimited()
    {
        var settings = AuthOn();
        settings["Gateway:Auth:Keys:0:RequestsPerMinute"] = "6";
        settings["Gateway:Auth:Keys:0:Burst"] = "1";
        return settings;
    }

    private static Dictionary<string, string?> Arms() => new()
    {
        ["Gateway:Arms:0:Name"] = "chats",
        ["Gateway:Arms:0:Mode"] = "chats",
        ["Gateway:Arms:0:Weight"] = "1",
        ["Gateway:Arms:1:Name"] = "cfg",
        ["Gateway:Arms:1:Mode"] = "cfg",
        ["Gateway:Arms:1:Weight"] = "0",
    };

    private static Metadata Bearer(string key, string? arm = null)
    {
        var headers = new Metadata { { "authorization", "Bearer " + key } };
        if (arm is not null)
        {
            headers.Add(ArmOverride.Header, arm);
        }

        return headers;
    }

    // Written beside and moved over, so the watcher never reads half a file.
    private static void WriteArms(string file, string arms)
    {
        string next = file + ".next";
        File.WriteAllText(next, $$"""{ "Gateway": { "Arms": {{arms}} } }""");
        File.Move(next, file, overwrite: true);
    }

    private static async Task<HttpResponseMessage> PostAsync(
        HttpClient http, Uri uri, string body, string? key, CancellationToken ct, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        return await http.SendAsync(request, ct);
    }

    private static async Task<string> ErrorMessageAsync(HttpResponseMessage response, CancellationToken ct)
    {
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return json.RootElement.GetProperty("error").GetProperty("message").GetString() ?? string.Empty;
    }

    private async Task<WebApplication> StartAsync(Dictionary<string, string?> gatewaySettings, CancellationToken ct, Dictionary<string, string?>? samplerSettings = null)
    {
        var sampler = await _hosts.StartSamplerAsync(ct, samplerSettings);
        return await _hosts.StartGatewayAsync([sampler.BoundAddresses()[0]], ct, gatewaySettings);
    }

    private async Task<WebApplication> StartGatewayAsync(Dictionary<string, string?> settings, CancellationToken ct)
    {
        // The fixture's sampler serves gateways that run no long generations.
        return await _hosts.StartGatewayAsync([fixture.System.Services["sampler"].Grpc], ct, settings);
    }

    private static async Task<(Metadata Headers, List<GenerateEvent> Events)> GenerateAsync(WebApplication gateway, Metadata headers, CancellationToken ct)
    {
        using var channel = GrpcChannel.ForAddress(gateway.BoundAddresses()[0]);
        using var call = new Protos.V1.Sampler.SamplerClient(channel).Generate(Requests.Small("a keyed circle", GuidanceMode.Unspecified, steps: 1), headers, cancellationToken: ct);
        var events = new List<GenerateEvent>();
        await foreach (var e in call.ResponseStream.ReadAllAsync(ct))
        {
            events.Add(e);
        }

        return (await call.ResponseHeadersAsync, events);
    }

    private static async Task<List<GenerateEvent>> UntilAdmittedAsync(Func<Task<(Metadata Headers, List<GenerateEvent> Events)>> generate, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                return (await generate()).Events;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, ct);
            }
        }
    }

    private static async Task<List<string>> ListServicesAsync(GrpcChannel channel, Metadata headers, CancellationToken ct)
    {
        var reflection = new Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(channel);
        using var call = reflection.ServerReflectionInfo(headers, cancellationToken: ct);
        await call.RequestStream.WriteAsync(new Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = string.Empty }, ct);
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(ct));
        return [.. call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name)];
    }

    private static async Task WaitAsync(Func<bool> condition, string what, CancellationToken ct)
    {
        // The file watcher, the configuration's 250 ms reload delay and a loaded machine: generous.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(50, ct);
        }
    }

    private static async Task<Dictionary<string, double>> ScrapeAsync(WebApplication gateway, CancellationToken ct)
    {
        using var http = new HttpClient();
        string exposition = await http.GetStringAsync(new Uri(gateway.BoundAddresses()[1], "metrics"), ct);
        var series = new List<string> { ArmSecondsCount("chats") };
        foreach (string code in new[] { "OK", "Unauthenticated", "ResourceExhausted" })
        {
            series.Add(ArmRequests("chats", code));
        }

        series.AddRange(new[] { "missing", "malformed", "unknown" }.Select(AuthFailures));
        series.AddRange(new[] { "requests_per_minute", "concurrent_generations" }.Select(RateLimited));
        return series.ToDictionary(s => s, s => MetricsScrape.Value(exposition, s));
    }

    private static string ArmRequests(string arm, string code) => $"chats_gateway_arm_requests_total{{arm=\"{arm}\",code=\"{code}\"}}";

    private static string ArmSecondsCount(string arm) => $"chats_gateway_arm_request_seconds_count{{arm=\"{arm}\"}}";

    private static string AuthFailures(string reason) => $"chats_gateway_auth_failures_total{{reason=\"{reason}\"}}";

    private static string RateLimited(string limit) => $"chats_gateway_rate_limited_total{{limit=\"{limit}\"}}";
}
