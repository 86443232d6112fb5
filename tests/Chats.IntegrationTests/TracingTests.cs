using System.Diagnostics;
using Chats.Client;
using Chats.Core.Diagnostics;
using Chats.LocalSystem;
using Chats.Protos.V1;
using Chats.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Chats.IntegrationTests;

/// <summary>
/// One trace per generation, gateway → sampler → encoder, every step's denoiser calls, decoder; logs that name the
/// generation and never carry its prompt at Information or above.
/// </summary>
[Collection(RunningSystem.Name)]
public sealed class TracingTests(ChatsSystemFixture fixture)
{
    private const string Server = "Microsoft.AspNetCore";

    [Fact]
    public async Task ChatsGeneration_ThroughGateway_IsOneTraceFromGatewayToEveryDenoiserStep_AndNoPromptInSpansOrInformationLogs()
    {
        var ct = TestContext.Current.CancellationToken;
        string prompt = "a lighthouse of violet glass " + Guid.NewGuid().ToString("N")[..8];
        string secondPrompt = "an orange kite " + Guid.NewGuid().ToString("N")[..8];
        using var spans = new SpanCapture();
        using var logs = new CapturedLogs();
        await using var system = await StartVerboseSystemAsync(logs, ct);
        using var client = new ChatsClient(system.Gateway, new ChatsClientOptions());
        const int Steps = 4;

        var first = await client.GenerateAsync(Requests.Small(prompt, GuidanceMode.Chats, steps: Steps), cancellationToken: ct);
        var second = await client.GenerateAsync(Requests.Small(secondPrompt, GuidanceMode.Chats, steps: 2), cancellationToken: ct);

        var generate = await GenerateSpanAsync(spans, first.Started.GenerationId, ct);
        var otherGenerate = await GenerateSpanAsync(spans, second.Started.GenerationId, ct);
        // A span is seen when it ends, children before parents, and servers end theirs after the client has its answer:
        // the trace is complete when every span's parent is in it but one, the root (the test's own client call).
        var trace = await WaitForTraceAsync(spans, generate.TraceId, s => s.Count(a => !s.Any(p => p.SpanId == a.ParentSpanId)) == 1, ct);
        string tree = SpanCapture.Describe(trace);
        var byId = trace.ToDictionary(s => s.SpanId);
        Activity? Parent(Activity s) => byId.GetValueOrDefault(s.ParentSpanId);
        IEnumerable<Activity> Ancestors(Activity s)
        {
            for (var p = Parent(s); p is not null; p = Parent(p))
            {
                yield return p;
            }
        }

        bool IsServer(Activity s) => s.Source.Name == Server && s.Kind == ActivityKind.Server;
        IEnumerable<Activity> ChatsSpans(string name) => trace.Where(s => s.Source.Name == ChatsTracing.SourceName && s.OperationName == name);

        // The sampler's server span holds the generate span; the gateway's server span is above it, in the same trace.
        var samplerServer = Parent(generate);
        Assert.True(samplerServer is not null && IsServer(samplerServer), tree);
        var gatewayServer = Ancestors(samplerServer!).FirstOrDefault(IsServer);
        Assert.True(gatewayServer is not null, "no gateway server span above the sampler's:\n" + tree);
        Assert.Contains(trace, s => s.Source.Name == "Yarp.ReverseProxy" && s.ParentSpanId == gatewayServer!.SpanId);
        Assert.Single(ChatsSpans(ChatsTracing.Generate));
        Assert.Equal("chats", generate.GetTagItem(ChatsTracing.ModeTag));
        Assert.Equal(Steps, generate.GetTagItem(ChatsTracing.StepsTag));
        Assert.Equal("32x32", generate.GetTagItem(ChatsTracing.SizeTag));

        var encode = Assert.Single(ChatsSpans(ChatsTracing.Encode));
        Assert.Equal(generate.SpanId, encode.ParentSpanId);
        Assert.True(trace.Any(s => IsServer(s) && Ancestors(s).Contains(encode)), "no text-encoder server span under encode:\n" + tree);

        var steps = ChatsSpans(ChatsTracing.Step).OrderBy(s => (int)s.GetTagItem(ChatsTracing.StepIndexTag)!).ToList();
        Assert.Equal(Enumerable.Range(0, Steps), steps.Select(s => (int)s.GetTagItem(ChatsTracing.StepIndexTag)!));
        Assert.All(steps, s => Assert.Equal(generate.SpanId, s.ParentSpanId));
        foreach (var step in steps)
        {
            var calls = ChatsSpans(ChatsTracing.Denoise).Where(d => d.ParentSpanId == step.SpanId).Select(d => (string)d.GetTagItem(ChatsTracing.RoleTag)!).Order();
            Assert.Equal(["dispreferred", "preferred"], calls);
        }

        // Inside each role's session (one long stream), every step is a span under that stream's server span.
        var served = ChatsSpans(ChatsTracing.DenoiserStep).ToList();
        Assert.Equal(2 * Steps, served.Count);
        Assert.All(served, s => Assert.True(Parent(s) is { } p && IsServer(p), tree));
        Assert.Equal(
            ["dispreferred", "preferred"],
            served.Select(s => (string)s.GetTagItem(ChatsTracing.RoleTag)!).Distinct().Order());

        var decode = Assert.Single(ChatsSpans(ChatsTracing.Decode));
        Assert.Equal(generate.SpanId, decode.ParentSpanId);
        Assert.True(trace.Any(s => IsServer(s) && Ancestors(s).Contains(decode)), "no decoder server span under decode:\n" + tree);

        // Every span of the trace is one tree under a single root: the trace is one generation's.
        Assert.Single(trace, s => Parent(s) is null);
        Assert.NotEqual(generate.TraceId, otherGenerate.TraceId);
        Assert.DoesNotContain(spans.Trace(otherGenerate.TraceId), s => s.OperationName == ChatsTracing.Generate && s != otherGenerate);

        // Prompts: in no span's tags, and in no log line at Information or above (they may appear at Trace only).
        var everySpan = spans.Stopped;
        Assert.DoesNotContain(everySpan, s => s.TagObjects.Any(t => t.Value?.ToString()?.Contains(prompt, StringComparison.Ordinal) == true));
        Assert.DoesNotContain(everySpan, s => s.DisplayName.Contains(prompt, StringComparison.Ordinal));
        var entries = logs.Entries;
        var informative = entries.Where(e => e.Level >= LogLevel.Information).ToList();
        Assert.DoesNotContain(informative, e => Mentions(e, prompt) || Mentions(e, secondPrompt));
        Assert.Contains(entries, e => e.Level == LogLevel.Trace && Mentions(e, prompt));

        // The generation's lines name it: started (mode, arm, steps, size), finished, and each denoiser session.
        string id = first.Started.GenerationId;
        Assert.Contains(informative, e => e.Message.StartsWith($"Generation {id} started: mode chats", StringComparison.Ordinal) && e.Message.Contains("4 steps, 32x32", StringComparison.Ordinal));
        Assert.Contains(informative, e => e.Message.StartsWith($"Generation {id} finished in", StringComparison.Ordinal));
        Assert.Contains(informative, e => e.Message.StartsWith($"Session {id}/preferred opened (generation {id})", StringComparison.Ordinal));
        Assert.Contains(informative, e => e.Message.StartsWith($"Session {id}/dispreferred closed (generation {id}) after 4 steps", StringComparison.Ordinal));
        Assert.Contains(informative, e => e.Values.Any(v => v.Key == "GenerationId" && Equals(v.Value, id)));
    }

    [Fact]
    public async Task OtlpEndpoint_Configured_ExportsTheGenerationsSpansAsOtlpProtobuf()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var collector = await OtlpReceiver.StartAsync(ct);
        Dictionary<string, string?> Exporting(string? serviceName = null) => new()
        {
            ["Telemetry:OtlpEndpoint"] = collector.Address.ToString(),
            ["Telemetry:OtlpProtocol"] = "http/protobuf",
            ["Telemetry:ServiceName"] = serviceName,
            // The OpenTelemetry SDK reads its OTEL_* settings from the host's configuration. A queue of the default 2048
            // spans may overflow here: a tracer records every span of the process, the other tests' included.
            ["OTEL_BSP_MAX_QUEUE_SIZE"] = "200000",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "500",
        };
        await using var hosts = new TestHosts(fixture);
        var sampler = await hosts.StartSamplerAsync(ct, Exporting());
        var gateway = await hosts.StartGatewayAsync([sampler.BoundAddresses()[0]], ct, Exporting("gateway-under-test"));
        using var client = new ChatsClient(gateway.BoundAddresses()[0], new ChatsClientOptions());

        var result = await client.GenerateAsync(Requests.Small("a teal hexagon", GuidanceMode.Chats, steps: 2), cancellationToken: ct);

        // The batch exporter sends every few seconds, or sooner when 512 spans are waiting (other tests' spans too: each
        // host's tracer sees the whole process), so a generation's spans may arrive in several exports. The generate
        // span ends last; it names the generation. Each host's exporter flushes on its own schedule, so the wait is for
        // both hosts' exports too, not only for the first one that carries the generate span.
        string id = result.Started.GenerationId;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!(collector.Received(id, ChatsTracing.GenerationIdTag, ChatsTracing.Generate) && collector.Received("gateway-under-test") && collector.Received("chats-sampler"))
            && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, ct);
        }

        Assert.True(collector.Received(id, ChatsTracing.GenerationIdTag, ChatsTracing.Generate), $"{collector.Exports.Count} export(s), none with generation {id}'s generate span");
        Assert.All(new[] { ChatsTracing.Encode, ChatsTracing.Step, ChatsTracing.Denoise, ChatsTracing.Decode, ChatsTracing.DenoiserStep }, name => Assert.True(collector.Received(name), $"no {name} span exported"));
        Assert.All(collector.Exports, e => Assert.Equal("application/x-protobuf", e.ContentType));
        Assert.All(collector.Exports, e => Assert.NotEmpty(e.Body));
        // service.name: as configured, or by default the service's own name.
        Assert.True(collector.Received("gateway-under-test"), "no export named the gateway as configured");
        Assert.True(collector.Received("chats-sampler"), "no export named the sampler by its default name");
        Assert.False(collector.Received("a teal hexagon"), "the prompt was exported");
    }

    private static bool Mentions(CapturedLogs.Entry entry, string text)
        => entry.Message.Contains(text, StringComparison.Ordinal) || entry.Values.Any(v => v.Value?.ToString()?.Contains(text, StringComparison.Ordinal) == true);

    private static async Task<Activity> GenerateSpanAsync(SpanCapture spans, string generationId, CancellationToken ct)
    {
        bool IsIt(Activity a) => a.OperationName == ChatsTracing.Generate && Equals(a.GetTagItem(ChatsTracing.GenerationIdTag), generationId);
        var all = await spans.WaitAsync(s => s.Any(IsIt), ct);
        return Assert.Single(all, IsIt);
    }

    private static async Task<IReadOnlyList<Activity>> WaitForTraceAsync(SpanCapture spans, ActivityTraceId traceId, Func<IReadOnlyList<Activity>, bool> done, CancellationToken ct)
    {
        await spans.WaitAsync(all => done([.. all.Where(a => a.TraceId == traceId)]), ct);
        // A little longer, for spans that end together with the last one awaited.
        await Task.Delay(200, ct);
        return spans.Trace(traceId);
    }

    // The whole system in this process, logging at Information (Chats at Trace), every host's entries recorded.
    private async Task<LocalChatsSystem> StartVerboseSystemAsync(CapturedLogs logs, CancellationToken ct)
    {
        IReadOnlyDictionary<string, string?> verbose = new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Chats"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore.DataProtection"] = "Error",
        };
        string[] names = ["text-encoder", "preferred", "dispreferred", "standard", "decoder", "sampler", "gateway"];
        var system = await LocalChatsSystem.StartAsync(
            new LocalSystemOptions
            {
                ModelPath = fixture.ModelPath,
                Redis = fixture.RedisConfiguration,
                Quiet = false,
                Overrides = names.ToDictionary(n => n, _ => verbose),
            },
            ct);
        foreach (var (_, (_, _, app)) in system.Services)
        {
            app.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);
        }

        return system;
    }
}
