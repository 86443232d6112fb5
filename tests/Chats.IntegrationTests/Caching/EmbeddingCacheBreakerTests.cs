using System.Diagnostics;
using System.Globalization;
using Chats.LocalSystem;
using Chats.Protos.V1;
using Chats.ServiceDefaults;
using Chats.TextEncoder;
using Chats.TextEncoder.Caching;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;

namespace Chats.IntegrationTests.Caching;

/// <summary>
/// The Redis breaker against a real redis-server that is killed (SIGKILL), restarted on its port, or stopped (SIGSTOP,
/// a hung server that answers nothing): encoding keeps working, and once the breaker is open it costs what encoding
/// without a cache costs, not a Redis timeout per lookup and store.
/// </summary>
[Collection(RunningSystem.Name)]
public sealed class EmbeddingCacheBreakerTests(ChatsSystemFixture fixture)
{
    // A generous bound over the no-cache path: the old behaviour cost a full timeout (here ≥ 300 ms) per call.
    private static readonly TimeSpan s_slack = TimeSpan.FromMilliseconds(100);

    [Fact]
    public async Task RedisKilled_EncodesSucceedAtTheNoCacheCost_AndAfterARestartTheCacheIsUsedAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        using var redis = RedisServer.Start();
        int port = redis.Port;
        await using var cached = await TextEncoderHost.StartAsync(fixture.ModelPath, new()
        {
            ["EmbeddingCache:Redis"] = redis.Configuration,
            ["EmbeddingCache:BreakerFailures"] = "3",
            ["EmbeddingCache:BreakerCooldown"] = "00:00:01",
        }, ct);
        await using var uncached = await TextEncoderHost.StartAsync(fixture.ModelPath, new()
        {
            ["EmbeddingCache:InMemoryCapacity"] = "0",
        }, ct);
        string before = "before the kill " + Guid.NewGuid().ToString("N");
        Assert.False((await cached.EncodeAsync(before, ct)).CacheHit);
        Assert.True(await cached.EventuallyHitsAsync(before, TimeSpan.FromSeconds(5), ct));

        redis.Kill();
        double skippedBefore = EmbeddingCacheMetrics.Skipped.WithLabels("lookup", "breaker_open").Value;
        double openedBefore = EmbeddingCacheMetrics.BreakerOpened.Value;
        for (int i = 0; i < 3; i++)
        {
            // Redis is gone: each call still answers, from the model.
            Assert.False((await cached.EncodeAsync($"while down {i} {Guid.NewGuid():N}", ct)).CacheHit);
        }

        var open = await cached.MedianEncodeAsync("open", 9, ct);
        var noCache = await uncached.MedianEncodeAsync("no cache", 9, ct);
        TestContext.Current.TestOutputHelper?.WriteLine($"Redis killed, breaker open: median encode {open.TotalMilliseconds:F1} ms; no cache: {noCache.TotalMilliseconds:F1} ms");
        Assert.True(open <= noCache + s_slack, $"breaker open: {open.TotalMilliseconds:F1} ms an encode; without a cache: {noCache.TotalMilliseconds:F1} ms");
        Assert.True(EmbeddingCacheMetrics.BreakerOpened.Value > openedBefore);
        Assert.True(EmbeddingCacheMetrics.Skipped.WithLabels("lookup", "breaker_open").Value > skippedBefore);

        using var restarted = RedisServer.Start(port);
        string after = "after the restart " + Guid.NewGuid().ToString("N");
        double hitsBefore = ChatsMetrics.EmbeddingCache.WithLabels("hit").Value;
        // The multiplexer reconnects in the background; a probe after each cool-down finds it back, then stores
        // land again and the repeated prompt hits.
        Assert.True(await cached.EventuallyHitsAsync(after, TimeSpan.FromSeconds(30), ct), "the cache was not used again within 30 s of Redis's restart");
        Assert.True(ChatsMetrics.EmbeddingCache.WithLabels("hit").Value > hitsBefore);
    }

    [Fact]
    public async Task RedisDownAtStart_TheServiceStartsAndServes_AndUsesRedisOnceItIsUp()
    {
        var ct = TestContext.Current.CancellationToken;
        int port = RedisServer.FreePort();
        var started = Stopwatch.StartNew();
        await using var cached = await TextEncoderHost.StartAsync(fixture.ModelPath, new()
        {
            ["EmbeddingCache:Redis"] = $"127.0.0.1:{port}",
            ["EmbeddingCache:BreakerCooldown"] = "00:00:01",
        }, ct);
        started.Stop();
        for (int i = 0; i < 5; i++)
        {
            Assert.False((await cached.EncodeAsync($"no redis yet {i} {Guid.NewGuid():N}", ct)).CacheHit);
        }

        using var redis = RedisServer.Start(port);
        string prompt = "redis came up " + Guid.NewGuid().ToString("N");

        Assert.True(await cached.EventuallyHitsAsync(prompt, TimeSpan.FromSeconds(30), ct), "the cache was not used within 30 s of Redis coming up");
        TestContext.Current.TestOutputHelper?.WriteLine($"text encoder with Redis down started in {started.Elapsed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task RedisKilledMidRun_GenerationsThroughTheGatewayStillSucceed()
    {
        var ct = TestContext.Current.CancellationToken;
        using var redis = RedisServer.Start();
        await using var system = await LocalChatsSystem.StartAsync(new LocalSystemOptions
        {
            ModelPath = fixture.ModelPath,
            Redis = redis.Configuration,
        }, ct);
        using var client = new Client.ChatsClient(system.Gateway);
        var times = new List<(bool RedisUp, TimeSpan Took)>();
        for (int i = 0; i < 8; i++)
        {
            if (i == 4)
            {
                redis.Kill();
            }

            var watch = Stopwatch.StartNew();
            var result = await client.GenerateAsync(Requests.Small($"a red circle {i} {Guid.NewGuid():N}", GuidanceMode.Chats), cancellationToken: ct);
            times.Add((i < 4, watch.Elapsed));
            Assert.Single(result.Images);
        }

        TestContext.Current.TestOutputHelper?.WriteLine(
            "generation ms, Redis up then killed: " + string.Join(", ", times.Select(t => $"{(t.RedisUp ? "up" : "down")} {t.Took.TotalMilliseconds:F0}")));
        // Without the breaker and with awaited stores each of these waited out Redis's 1 s timeout about 4 times.
        var up = times.Skip(1).Where(t => t.RedisUp).Select(t => t.Took).Order().ToList();
        var down = times.Where(t => !t.RedisUp).Select(t => t.Took).Order().ToList();
        Assert.True(down[down.Count / 2] < up[up.Count / 2] + TimeSpan.FromMilliseconds(500), "a generation with Redis killed took 500 ms more than with it up");
    }

    [Fact]
    public async Task RedisHung_WithoutTheBreakerEveryEncodeWaitsTheTimeout_WithItEncodesCostTheNoCachePath()
    {
        var ct = TestContext.Current.CancellationToken;
        using var redis = RedisServer.Start();
        var timeout = TimeSpan.FromMilliseconds(300);
        Dictionary<string, string?> Settings(int failures) => new()
        {
            ["EmbeddingCache:Redis"] = redis.Configuration,
            ["EmbeddingCache:RedisTimeoutMilliseconds"] = ((int)timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            ["EmbeddingCache:BreakerFailures"] = failures.ToString(CultureInfo.InvariantCulture),
            ["EmbeddingCache:BreakerCooldown"] = "00:01:00",
        };
        await using var breaker = await TextEncoderHost.StartAsync(fixture.ModelPath, Settings(3), ct);
        await using var noBreaker = await TextEncoderHost.StartAsync(fixture.ModelPath, Settings(0), ct);
        await using var uncached = await TextEncoderHost.StartAsync(fixture.ModelPath, new() { ["EmbeddingCache:InMemoryCapacity"] = "0" }, ct);
        // Connected (a hit proves it) before the server hangs: SIGSTOP keeps the connections open.
        string warm = "warm " + Guid.NewGuid().ToString("N");
        Assert.True(await breaker.EventuallyHitsAsync(warm, TimeSpan.FromSeconds(10), ct));
        Assert.True(await noBreaker.EventuallyHitsAsync(warm, TimeSpan.FromSeconds(10), ct));

        redis.Signal("STOP");
        try
        {
            var tripping = Stopwatch.StartNew();
            for (int i = 0; i < 3; i++)
            {
                Assert.False((await breaker.EncodeAsync($"tripping {i} {Guid.NewGuid():N}", ct)).CacheHit);
            }

            tripping.Stop();
            var open = await breaker.MedianEncodeAsync("hung, breaker", 9, ct);
            var waiting = await noBreaker.MedianEncodeAsync("hung, no breaker", 3, ct);
            var noCache = await uncached.MedianEncodeAsync("no cache", 9, ct);
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"Redis hung ({timeout.TotalMilliseconds} ms timeout): first 3 encodes with the breaker {tripping.Elapsed.TotalMilliseconds:F0} ms; " +
                $"then median {open.TotalMilliseconds:F1} ms; without the breaker {waiting.TotalMilliseconds:F1} ms; no cache {noCache.TotalMilliseconds:F1} ms");

            // The test reproduces the problem: without the breaker a lookup waits out its timeout.
            Assert.True(waiting >= timeout * 0.9, $"without the breaker an encode took {waiting.TotalMilliseconds:F1} ms");
            Assert.True(open <= noCache + s_slack, $"breaker open: {open.TotalMilliseconds:F1} ms an encode; without a cache: {noCache.TotalMilliseconds:F1} ms");
        }
        finally
        {
            redis.Signal("CONT");
        }
    }

    /// <summary>A text-encoder service on loopback with its own configuration, and a client to it.</summary>
    private sealed class TextEncoderHost : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly GrpcChannel _channel;
        private readonly Protos.V1.TextEncoder.TextEncoderClient _client;

        private TextEncoderHost(WebApplication app)
        {
            _app = app;
            _channel = GrpcChannel.ForAddress(app.BoundAddresses()[0]);
            _client = new Protos.V1.TextEncoder.TextEncoderClient(_channel);
        }

        public static async Task<TextEncoderHost> StartAsync(string modelPath, Dictionary<string, string?> settings, CancellationToken ct)
        {
            settings["TextEncoder:ModelPath"] = modelPath;
            settings["Endpoints:GrpcPort"] = "0";
            settings["Endpoints:HttpPort"] = "-1";
            settings["Logging:LogLevel:Default"] = "None";
            var app = TextEncoderServiceHost.Build([], settings);
            await app.StartAsync(ct);
            return new TextEncoderHost(app);
        }

        /// <summary>Encodes <paramref name="prompt"/> with an empty negative prompt, as a generation does.</summary>
        public async Task<Conditioning> EncodeAsync(string prompt, CancellationToken ct)
        {
            var response = await _client.EncodeAsync(new EncodeRequest { Prompts = { prompt, string.Empty } }, cancellationToken: ct);
            return response.Conditionings[0];
        }

        /// <summary>The median time of <paramref name="count"/> encodes of new prompts (misses everywhere).</summary>
        public async Task<TimeSpan> MedianEncodeAsync(string label, int count, CancellationToken ct)
        {
            var times = new List<TimeSpan>();
            for (int i = 0; i < count; i++)
            {
                var watch = Stopwatch.StartNew();
                await EncodeAsync($"{label} {i} {Guid.NewGuid():N}", ct);
                times.Add(watch.Elapsed);
            }

            return times.Order().ElementAt(count / 2);
        }

        /// <summary>Encodes <paramref name="prompt"/> until it comes from the cache (stores are asynchronous).</summary>
        public async Task<bool> EventuallyHitsAsync(string prompt, TimeSpan within, CancellationToken ct)
        {
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < within)
            {
                if ((await EncodeAsync(prompt, ct)).CacheHit)
                {
                    return true;
                }

                await Task.Delay(100, ct);
            }

            return false;
        }

        public async ValueTask DisposeAsync()
        {
            _channel.Dispose();
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }
    }
}
