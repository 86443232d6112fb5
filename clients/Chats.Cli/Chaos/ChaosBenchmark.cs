using System.Diagnostics;
using System.Globalization;
using Chats.Client;
using Chats.Core.Loading;
using Chats.Protos.V1;
using Grpc.Core;

namespace Chats.Cli.Chaos;

/// <summary>
/// <c>chats bench chaos</c>: every role as its own process, two replicas of each role but the sampler, generations at a
/// fixed concurrency while replicas are killed (-9) and restarted, sent SIGTERM (drained, restarted), and Redis is killed
/// and restarted. Every image is compared with a reference generated undisturbed first.
/// </summary>
internal static class ChaosBenchmark
{
    private const int DistinctRequests = 12;
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;
    private static readonly string[] s_prompts = ["a red circle", "a blue square and a green triangle", "two yellow stars", "a purple circle above a red square"];

    public static async Task<int> RunAsync(ChaosSettings settings, TextWriter output, CancellationToken ct)
    {
        var folder = DiffusersPipelineFolder.Open(settings.ModelPath);
        var slots = Slots(folder, settings, out var redis);
        var sampler = new ReplicaSlot("sampler", "sampler", "sampler", SamplerSettings(folder.Root, slots));
        var clock = Stopwatch.StartNew();
        try
        {
            if (redis is not null)
            {
                await redis.StartAsync(ct);
            }

            // Starting ten processes at once on a small machine is slower than a few at a time.
            foreach (var batch in slots.Chunk(3))
            {
                await Task.WhenAll(batch.Select(s => s.StartAsync(ct)));
            }

            await sampler.StartAsync(ct);
            output.WriteLine(string.Create(s_inv, $"started {slots.Count} replicas and a sampler in {clock.Elapsed.TotalSeconds:F1} s; model {folder.Root}; step batching {(settings.Batching ? "on" : "off")}; {settings.Steps} steps"));

            // No SDK retries: a generation the system failed must count as failed, not be retried out of sight.
            using var client = new ChatsClient(sampler.Address, new ChatsClientOptions { Retry = { MaxAttempts = 1 } });
            var requests = Enumerable.Range(0, DistinctRequests).Select(i => Request(i, settings.Steps)).ToList();
            var references = new List<byte[]>();
            foreach (var request in requests)
            {
                references.Add((await client.GenerateAsync(request, cancellationToken: ct)).Images[0].Png.ToByteArray());
            }

            var chaos = new ChaosMonkey(slots, redis, settings.Seed, output);
            using var stopChaos = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var monkey = chaos.RunAsync(stopChaos.Token);
            var outcomes = await RunGenerationsAsync(client, requests, references, settings, chaos, ct);
            await stopChaos.CancelAsync();
            await monkey;
            double failovers = await ScrapeAsync(sampler, "chats_sampler_session_failovers_total", ct);
            double failures = await ScrapeAsync(sampler, "chats_sampler_replica_failures_total", ct);
            Report(output, settings, outcomes, chaos, failovers, failures, clock.Elapsed);
            return outcomes.All(o => o.Status == "OK") ? 0 : 1;
        }
        finally
        {
            await sampler.StopAsync();
            foreach (var slot in slots)
            {
                await slot.StopAsync();
            }

            if (redis is not null)
            {
                await redis.DisposeAsync();
            }
        }
    }

    private static async Task<List<GenerationOutcome>> RunGenerationsAsync(
        ChatsClient client, List<GenerateRequest> requests, List<byte[]> references, ChaosSettings settings, ChaosMonkey chaos, CancellationToken ct)
    {
        var outcomes = new List<GenerationOutcome>();
        int next = -1;
        bool More() => Volatile.Read(ref next) < settings.Generations - 1 || chaos.Kills < settings.Kills;

        async Task WorkerAsync()
        {
            while (More())
            {
                int n = Interlocked.Increment(ref next);
                int k = n % requests.Count;
                long started = Stopwatch.GetTimestamp();
                GenerationOutcome outcome;
                try
                {
                    var result = await client.GenerateAsync(requests[k], cancellationToken: ct);
                    byte[] png = result.Images[0].Png.ToByteArray();
                    bool identical = png.AsSpan().SequenceEqual(references[k]);
                    outcome = new(k, started, Stopwatch.GetTimestamp(), "OK", null, identical, identical ? 0 : MaxDifference(png, references[k]));
                }
                catch (RpcException e)
                {
                    outcome = new(k, started, Stopwatch.GetTimestamp(), e.StatusCode.ToString(), e.Status.Detail, false, 0);
                }

                lock (outcomes)
                {
                    outcomes.Add(outcome);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(_ => WorkerAsync()));
        return outcomes;
    }

    private static void Report(TextWriter output, ChaosSettings settings, List<GenerationOutcome> outcomes, ChaosMonkey chaos, double failovers, double failures, TimeSpan elapsed)
    {
        var ok = outcomes.Where(o => o.Status == "OK").ToList();
        var events = chaos.Events;
        bool Disturbed(GenerationOutcome o) => events.Any(e => e.At >= o.Started && e.At <= o.Ended);
        var quiet = ok.Where(o => !Disturbed(o)).Select(o => o.Seconds).Order().ToList();
        var hit = ok.Where(Disturbed).Select(o => o.Seconds).Order().ToList();
        output.WriteLine();
        output.WriteLine(string.Create(s_inv, $"chaos run: {outcomes.Count} generations at concurrency {settings.Concurrency}, {settings.Steps} steps, step batching {(settings.Batching ? "on" : "off")}, {elapsed.TotalSeconds:F0} s in all"));
        output.WriteLine(string.Create(s_inv, $"  attempted {outcomes.Count}, succeeded {ok.Count}, failed {outcomes.Count - ok.Count}"));
        foreach (var group in outcomes.Where(o => o.Status != "OK").GroupBy(o => o.Status))
        {
            output.WriteLine($"    {group.Key}: {group.Count()} (e.g. {group.First().Detail})");
        }

        output.WriteLine(string.Create(s_inv, $"  byte-identical to the undisturbed reference: {ok.Count(o => o.Identical)} of {ok.Count}; largest 8-bit difference {(ok.Count == 0 ? 0 : ok.Max(o => o.MaxPixelDifference))}"));
        output.WriteLine(string.Create(s_inv, $"  faults: kill -9 {chaos.Kills}, SIGTERM {chaos.Terminations} (exit 0 after drain: {chaos.CleanExits}), redis kills {chaos.RedisKills}, restarts {chaos.Restarts}"));
        output.WriteLine(string.Create(s_inv, $"  sampler: session failovers {failovers:F0}, replica call failures retried {failures:F0}"));
        output.WriteLine(string.Create(s_inv, $"  latency undisturbed: p50 {Quantile(quiet, 0.5):F3} s, p95 {Quantile(quiet, 0.95):F3} s ({quiet.Count})"));
        output.WriteLine(string.Create(s_inv, $"  latency with a fault during it: p50 {Quantile(hit, 0.5):F3} s, p95 {Quantile(hit, 0.95):F3} s ({hit.Count}); cost p50 {Quantile(hit, 0.5) - Quantile(quiet, 0.5):+0.000;-0.000} s, p95 {Quantile(hit, 0.95) - Quantile(quiet, 0.95):+0.000;-0.000} s"));
    }

    private static double Quantile(List<double> sorted, double q)
        => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1 < 0 ? 0 : (int)Math.Ceiling(q * sorted.Count) - 1)];

    private static int MaxDifference(byte[] a, byte[] b)
    {
        var x = Training.Data.RgbImageDecoder.Decode(a).Rgb;
        var y = Training.Data.RgbImageDecoder.Decode(b).Rgb;
        return x.Length != y.Length ? 255 : x.Zip(y, (p, q) => Math.Abs(p - q)).Max();
    }

    private static GenerateRequest Request(int i, int steps) => new()
    {
        Prompt = s_prompts[i % s_prompts.Length],
        Mode = (i % 3) switch { 0 => GuidanceMode.Chats, 1 => GuidanceMode.Cfg, _ => GuidanceMode.ChatsFull },
        Steps = steps,
        Seed = 1000 + (ulong)i,
        NumImages = 1,
    };

    private static async Task<double> ScrapeAsync(ReplicaSlot slot, string metric, CancellationToken ct)
    {
        using var http = new HttpClient();
        string text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{slot.HttpPort}/metrics"), ct);
        return text.Split('\n')
            .Where(l => l.StartsWith(metric, StringComparison.Ordinal) && (l.Length == metric.Length || l[metric.Length] is '{' or ' '))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], s_inv));
    }

    private static List<ReplicaSlot> Slots(DiffusersPipelineFolder folder, ChaosSettings settings, out RedisProcess? redis)
    {
        string m = folder.Root;
        redis = settings.Redis ? new RedisProcess(Processes.ServiceProcess.FreePort()) : null;
        var slots = new List<ReplicaSlot>();
        var textEncoder = new Dictionary<string, string> { ["TextEncoder:ModelPath"] = m };
        if (redis is not null)
        {
            textEncoder["EmbeddingCache:Redis"] = $"127.0.0.1:{redis.Port}";
        }

        for (int r = 0; r < 2; r++)
        {
            slots.Add(new ReplicaSlot($"text-encoder-{r}", "text-encoder", "text-encoder", textEncoder));
        }

        foreach (var (role, component) in new[] { ("preferred", "unet_win"), ("dispreferred", "unet_lose"), ("standard", "unet") })
        {
            if (!folder.HasComponent(component))
            {
                continue;
            }

            for (int r = 0; r < 2; r++)
            {
                slots.Add(new ReplicaSlot($"{role}-{r}", "denoiser", role, new Dictionary<string, string>
                {
                    ["Denoiser:ModelPath"] = m,
                    ["Denoiser:Role"] = role,
                    ["Denoiser:Component"] = component,
                    // Replicas of a role must compute alike for a moved session to continue bit for bit.
                    ["Denoiser:Threads"] = Inference.Engine.TorchThreads.ForDenoiser(Enum.Parse<Core.Sampling.DenoiserRole>(role, ignoreCase: true)).ToString(s_inv),
                    ["Denoiser:BatchAcrossSessions"] = settings.Batching ? "true" : "false",
                }));
            }
        }

        for (int r = 0; r < 2; r++)
        {
            slots.Add(new ReplicaSlot($"decoder-{r}", "decoder", "decoder", new Dictionary<string, string> { ["Decoder:ModelPath"] = m }));
        }

        return slots;
    }

    private static Dictionary<string, string> SamplerSettings(string model, List<ReplicaSlot> slots)
    {
        var settings = new Dictionary<string, string> { ["Sampler:ModelPath"] = model };
        foreach (var group in slots.GroupBy(s => s.Group))
        {
            string key = group.Key switch
            {
                "text-encoder" => "TextEncoder",
                "decoder" => "Decoder",
                var role => char.ToUpperInvariant(role[0]) + role[1..],
            };
            int i = 0;
            foreach (var slot in group)
            {
                settings[$"Sampler:{key}:{i++}"] = slot.Address.ToString();
            }
        }

        return settings;
    }
}
