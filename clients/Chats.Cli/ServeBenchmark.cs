using System.Diagnostics;
using System.Globalization;
using Chats.Cli.Benchmarks;
using Chats.Client;
using Chats.Inference.Local;
using Chats.LocalSystem;
using Chats.Protos.V1;

namespace Chats.Cli;

/// <summary>
/// <c>chats bench serve</c>: the whole system on loopback, driven through the gateway at rising concurrency, with
/// cross-session step batching on and off, for CHATS and CFG, on the lab models and on a compute-bound SD1.5-shaped
/// pipeline; the per-step breakdown from the services' own metrics; the thread rule and the batch limit measured;
/// one generation in-process against the services at concurrency 1 (the orchestration overhead); and whether a PNG
/// depends on what it was batched with. Prints Markdown and optionally writes it and a plot.
/// </summary>
internal static class ServeBenchmark
{
    /// <summary>What the command line asked for.</summary>
    public sealed record Settings(
        string Model,
        string? StandardModel,
        IReadOnlyList<int> Concurrency,
        int GenerationsPerClient,
        int Repeats,
        int Steps,
        FileInfo? Markdown,
        FileInfo? Plot,
        int MaxBatch,
        int? DenoiserThreads,
        int MaxQueueDelayMicroseconds,
        string? ComputeModel,
        IReadOnlyList<int> ComputeConcurrency,
        int ComputeSteps,
        IReadOnlySet<string> Sections);

    /// <summary>Section names for <c>--sections</c>.</summary>
    public static readonly IReadOnlyList<string> AllSections = ["sweep", "queue-delay", "threads", "max-batch", "overhead", "reproducibility", "compute"];

    private static readonly int[] s_threadsConcurrency = [1, 16];
    private static readonly int[] s_queueDelayConcurrency = [2, 4, 16];
    private static readonly int[] s_maxBatches = [8, 16, 32, 64];

    public static async Task<int> RunAsync(Settings settings, CancellationToken ct)
    {
        var report = new ServeBenchmarkReport(settings, DateTime.UtcNow);
        var lab = new ServeWorkload("lab", settings.Model, settings.StandardModel, settings.Steps, settings.GenerationsPerClient, settings.Repeats, settings.Concurrency);
        var knobs = new ServeKnobs(true, settings.MaxBatch, settings.DenoiserThreads, settings.MaxQueueDelayMicroseconds);

        // Process warm-up: whichever phase ran first measured ~40% slower at concurrency 1 (JIT tiering and first-use
        // costs of this process, not of a configuration: seen with either order of batching on and off).
        await WarmUpProcessAsync(lab, knobs, ct);

        if (settings.Sections.Contains("sweep"))
        {
            report.Sweep.AddRange(await SweepAsync(lab, [knobs, knobs with { Batching = false }], ct));
        }

        if (settings.Sections.Contains("queue-delay"))
        {
            var workload = lab with { Concurrency = [.. s_queueDelayConcurrency.Where(c => c <= settings.Concurrency.Max())] };
            report.QueueDelay.AddRange(await SweepAsync(workload, [knobs with { MaxQueueDelayMicroseconds = 0 }, knobs], ct));
        }

        if (settings.Sections.Contains("threads"))
        {
            // Every denoiser as wide as the machine, against the local system's rule (θ± half the cores each).
            var workload = lab with { Concurrency = [.. s_threadsConcurrency.Where(c => c <= settings.Concurrency.Max())] };
            report.Threads.AddRange(await SweepAsync(workload, [knobs with { DenoiserThreads = Environment.ProcessorCount }, knobs with { DenoiserThreads = null }], ct));
        }

        if (settings.Sections.Contains("max-batch"))
        {
            var workload = lab with { Concurrency = [settings.Concurrency.Max()], Repeats = 1 };
            report.MaxBatch.AddRange(await SweepAsync(workload, [.. s_maxBatches.Select(b => knobs with { MaxBatch = b })], ct));
        }

        if (settings.Sections.Contains("overhead"))
        {
            report.Overhead = await OverheadAsync(lab, knobs, ct);
        }

        if (settings.Sections.Contains("reproducibility"))
        {
            foreach (bool batching in new[] { true, false })
            {
                await using var system = await StartAsync(lab, knobs with { Batching = batching }, ct);
                using var client = Client(system);
                report.Reproducibility.Add(await ReproducibilityAsync(client, batching, settings.Steps, ct));
            }
        }

        if (settings.Sections.Contains("compute"))
        {
            string model = settings.ComputeModel ?? DefaultModel.ComputeBound();
            report.ComputeModel = model;
            var compute = new ServeWorkload("compute", model, null, settings.ComputeSteps, 1, 1, settings.ComputeConcurrency);
            await WarmUpProcessAsync(compute with { Concurrency = [1] }, knobs, ct);
            report.Compute.AddRange(await SweepAsync(compute, [knobs, knobs with { Batching = false }], ct));
        }

        string markdown = report.Render();
        Console.WriteLine(markdown);
        if (settings.Markdown is not null)
        {
            Directory.CreateDirectory(settings.Markdown.DirectoryName ?? ".");
            await File.WriteAllTextAsync(settings.Markdown.FullName, markdown, ct);
            Console.Error.WriteLine($"wrote {settings.Markdown.FullName}");
        }

        if (settings.Plot is not null && report.Sweep.Count > 0)
        {
            report.WritePlot(settings.Plot.FullName);
            Console.Error.WriteLine($"wrote {settings.Plot.FullName}");
        }

        return 0;
    }

    private static async Task WarmUpProcessAsync(ServeWorkload workload, ServeKnobs knobs, CancellationToken ct)
    {
        await using var warm = await StartAsync(workload, knobs, ct);
        using var client = Client(warm);
        foreach (var mode in new[] { GuidanceMode.Chats, GuidanceMode.Cfg })
        {
            for (int i = 0; i < 4; i++)
            {
                await client.GenerateAsync(Request(mode, workload.Steps, 900 + (ulong)i), cancellationToken: ct);
            }

            await MeasureAsync(client, mode, Math.Min(4, workload.Concurrency.Max()), 1, workload.Steps, ct);
        }
    }

    /// <summary>
    /// Every variant of the knobs, CHATS and CFG, at every concurrency of the workload. Each repeat runs every variant
    /// and mode once on a fresh system, in an order that reverses from one repeat to the next, so neither the order of
    /// phases nor one system's luck decides a comparison: the median over repeats does.
    /// </summary>
    private static async Task<List<ServePoint>> SweepAsync(ServeWorkload workload, IReadOnlyList<ServeKnobs> variants, CancellationToken ct)
    {
        var phases = variants.SelectMany(k => new[] { GuidanceMode.Chats, GuidanceMode.Cfg }.Select(m => (Knobs: k, Mode: m))).ToList();
        var runs = new Dictionary<(ServeKnobs Knobs, GuidanceMode Mode, int Concurrency), List<(double Throughput, List<double> Latencies)>>();
        var deltas = new Dictionary<(ServeKnobs Knobs, GuidanceMode Mode, int Concurrency), MetricsSnapshot>();
        for (int r = 0; r < workload.Repeats; r++)
        {
            foreach (var (knobs, mode) in r % 2 == 0 ? phases : Enumerable.Reverse(phases))
            {
                // A fresh system per phase: what one phase leaves behind (allocator state after large batches, warm
                // caches) must not shift the next phase's figures.
                await using var system = await StartAsync(workload, knobs, ct);
                using var client = Client(system);

                // Warm-up: first-call costs (channels, allocator, libtorch kernels) stay out of the figures.
                await client.GenerateAsync(Request(mode, workload.Steps, 0), cancellationToken: ct);
                await MeasureAsync(client, mode, Math.Min(2, workload.Concurrency.Max()), 1, workload.Steps, ct);
                foreach (int c in workload.Concurrency)
                {
                    var before = await MetricsSnapshot.TakeAsync(ct);
                    var run = await MeasureAsync(client, mode, c, workload.PerClient, workload.Steps, ct);
                    var delta = (await MetricsSnapshot.TakeAsync(ct)).Since(before);
                    var key = (knobs, mode, c);
                    (runs.TryGetValue(key, out var list) ? list : runs[key] = []).Add(run);
                    deltas[key] = deltas.TryGetValue(key, out var sum) ? sum.Plus(delta) : delta;
                    Console.Error.WriteLine(
                        $"{workload.Name,-7} run {r + 1}/{workload.Repeats} {Name(mode),-5} batching {(knobs.Batching ? "on " : "off")} max-batch {knobs.MaxBatch,-3} delay {knobs.MaxQueueDelayMicroseconds} µs "
                        + $"threads {knobs.DenoiserThreads?.ToString(CultureInfo.InvariantCulture) ?? "rule"} c={c,-3} {run.Throughput,6:F2} img/s");
                }
            }
        }

        return [.. runs.Select(e => ServePoint.From(workload.Name, Name(e.Key.Mode), e.Key.Knobs, e.Key.Concurrency, e.Value, StepBreakdown.From(deltas[e.Key])))];
    }

    private static Task<LocalChatsSystem> StartAsync(ServeWorkload workload, ServeKnobs knobs, CancellationToken ct)
    {
        var overrides = new Dictionary<string, IReadOnlyDictionary<string, string?>>();
        foreach (string role in new[] { "preferred", "dispreferred", "standard" })
        {
            var values = new Dictionary<string, string?>
            {
                ["Denoiser:BatchAcrossSessions"] = knobs.Batching ? "true" : "false",
                ["Denoiser:MaxBatch"] = knobs.MaxBatch.ToString(CultureInfo.InvariantCulture),
                ["Denoiser:MaxQueueDelay"] = knobs.MaxQueueDelayMicroseconds.ToString(CultureInfo.InvariantCulture),
            };
            if (knobs.DenoiserThreads is { } threads)
            {
                values["Denoiser:Threads"] = threads.ToString(CultureInfo.InvariantCulture);
            }

            overrides[role] = values;
        }

        return LocalChatsSystem.StartAsync(
            new LocalSystemOptions { ModelPath = workload.Model, StandardModelPath = workload.StandardModel, Overrides = overrides }, ct);
    }

    private static ChatsClient Client(LocalChatsSystem system)
        => new(system.Gateway, new ChatsClientOptions { Timeout = TimeSpan.FromMinutes(30) });

    private static async Task<(double Throughput, List<double> Latencies)> MeasureAsync(
        ChatsClient client, GuidanceMode mode, int concurrency, int perClient, int steps, CancellationToken ct)
    {
        var latencies = new List<double>();
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            for (int i = 0; i < perClient; i++)
            {
                var t = Stopwatch.StartNew();
                await client.GenerateAsync(Request(mode, steps, (ulong)((worker * 1000) + i + 1)), cancellationToken: ct);
                lock (latencies)
                {
                    latencies.Add(t.Elapsed.TotalSeconds);
                }
            }
        }));
        return (concurrency * perClient / wall.Elapsed.TotalSeconds, latencies);
    }

    /// <summary>Median latency of one CHATS generation through the services against the same loop in-process.</summary>
    private static async Task<ServeOverhead> OverheadAsync(ServeWorkload workload, ServeKnobs knobs, CancellationToken ct)
    {
        const int Runs = 9;
        var services = new List<double>();
        await using (var system = await StartAsync(workload, knobs, ct))
        {
            using var client = Client(system);
            await client.GenerateAsync(Request(GuidanceMode.Chats, workload.Steps, 0), cancellationToken: ct);
            for (int i = 0; i < Runs; i++)
            {
                var t = Stopwatch.StartNew();
                await client.GenerateAsync(Request(GuidanceMode.Chats, workload.Steps, (ulong)i + 1), cancellationToken: ct);
                services.Add(t.Elapsed.TotalSeconds);
            }
        }

        var inProcess = new List<double>();
        using (var local = LocalPipeline.Open(workload.Model, standardModelPath: workload.StandardModel))
        {
            var input = new Core.Sampling.GenerationRequestInput(Prompt, string.Empty, 0, 0, workload.Steps, 0, null, null, Core.Guidance.GuidanceMode.Chats, null, 1);
            await local.GenerateAsync(input, ct);
            for (int i = 0; i < Runs; i++)
            {
                var t = Stopwatch.StartNew();
                await local.GenerateAsync(input with { Seed = (ulong)i + 1 }, ct);
                inProcess.Add(t.Elapsed.TotalSeconds);
            }
        }

        return new ServeOverhead(Runs, ServePoint.Median(services), ServePoint.Median(inProcess));
    }

    /// <summary>
    /// Does a generation's PNG depend on what it was batched with? Each request alone, then all of them at once
    /// (their steps meet in the denoisers' queues): byte-identical PNGs counted, and the largest 8-bit difference.
    /// </summary>
    private static async Task<ServeReproducibility> ReproducibilityAsync(ChatsClient client, bool batching, int steps, CancellationToken ct)
    {
        const int Requests = 8;
        var alone = new List<byte[]>();
        for (int i = 0; i < Requests; i++)
        {
            alone.Add((await client.GenerateAsync(Request(GuidanceMode.Chats, steps, 500 + (ulong)i), cancellationToken: ct)).Images[0].Png.ToByteArray());
        }

        var together = await Task.WhenAll(Enumerable.Range(0, Requests)
            .Select(i => client.GenerateAsync(Request(GuidanceMode.Chats, steps, 500 + (ulong)i), cancellationToken: ct)));
        int identical = 0, maxDifference = 0;
        for (int i = 0; i < Requests; i++)
        {
            byte[] png = together[i].Images[0].Png.ToByteArray();
            if (png.AsSpan().SequenceEqual(alone[i]))
            {
                identical++;
                continue;
            }

            var a = Training.Data.RgbImageDecoder.Decode(alone[i]).Rgb;
            var b = Training.Data.RgbImageDecoder.Decode(png).Rgb;
            maxDifference = Math.Max(maxDifference, a.Zip(b, (x, y) => Math.Abs(x - y)).Max());
        }

        Console.Error.WriteLine($"reproducibility, batching {(batching ? "on" : "off")}: {identical}/{Requests} byte-identical, max 8-bit difference {maxDifference}");
        return new ServeReproducibility(batching, Requests, identical, maxDifference);
    }

    private const string Prompt = "a red circle and a blue square";

    private static GenerateRequest Request(GuidanceMode mode, int steps, ulong seed)
        => new() { Prompt = Prompt, Mode = mode, Steps = steps, Seed = seed, NumImages = 1 };

    private static string Name(GuidanceMode mode) => mode == GuidanceMode.Cfg ? "cfg" : "chats";
}
