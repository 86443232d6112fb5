using System.Diagnostics;
using System.Globalization;
using System.Text;
using Chats.Client;
using Chats.Inference.Local;
using Chats.LocalSystem;
using Chats.Protos.V1;

namespace Chats.Cli;

/// <summary>
/// <c>chats bench serve</c>: the whole system on loopback, driven through the gateway at rising concurrency, with
/// cross-session step batching on and off, for CHATS and CFG; and one generation in-process against the services at
/// concurrency 1 (the orchestration overhead). Prints one table and writes it as Markdown.
/// </summary>
internal static class ServeBenchmark
{
    public sealed record Settings(
        string Model, string? StandardModel, IReadOnlyList<int> Concurrency, int GenerationsPerClient, int Repeats, int Steps, FileInfo? Markdown);

    private sealed record Point(string Mode, bool Batching, int Concurrency, double ImagesPerSecond, double P50, double P95);

    private sealed record Reproducibility(bool Batching, int Requests, int Identical, int MaxPixelDifference);

    public static async Task<int> RunAsync(Settings settings, CancellationToken ct)
    {
        var started = DateTime.UtcNow;
        var points = new List<Point>();
        var reproducibility = new List<Reproducibility>();

        // Process warm-up: whichever phase ran first measured ~40% slower at concurrency 1 (JIT tiering and first-use
        // costs of this process, not of a configuration: seen with either order of batching on and off).
        await using (var warm = await StartAsync(settings, batching: true, ct))
        {
            using var client = new ChatsClient(warm.Gateway, new ChatsClientOptions { Timeout = TimeSpan.FromMinutes(30) });
            foreach (var mode in new[] { GuidanceMode.Chats, GuidanceMode.Cfg })
            {
                for (int i = 0; i < 6; i++)
                {
                    await client.GenerateAsync(Request(mode, settings.Steps, 900 + (ulong)i), cancellationToken: ct);
                }

                await MeasureAsync(client, mode, 4, 1, settings.Steps, ct);
            }
        }

        foreach (bool batching in new[] { true, false })
        {
            // A fresh system per mode and for the reproducibility check: what one phase leaves behind (allocator
            // state after large batches, warm caches) must not shift the next phase's figures.
            await using (var system = await StartAsync(settings, batching, ct))
            {
                using var client = new ChatsClient(system.Gateway, new ChatsClientOptions { Timeout = TimeSpan.FromMinutes(30) });
                reproducibility.Add(await ReproducibilityAsync(client, batching, settings.Steps, ct));
            }

            foreach (var mode in new[] { GuidanceMode.Chats, GuidanceMode.Cfg })
            {
                await using var system = await StartAsync(settings, batching, ct);
                using var client = new ChatsClient(system.Gateway, new ChatsClientOptions { Timeout = TimeSpan.FromMinutes(30) });

                // Warm-up: first-call costs (channels, allocator, libtorch kernels) stay out of the figures.
                await client.GenerateAsync(Request(mode, settings.Steps, 0), cancellationToken: ct);
                foreach (int c in settings.Concurrency)
                {
                    var runs = new List<(double Throughput, List<double> Latencies)>();
                    for (int r = 0; r < settings.Repeats; r++)
                    {
                        runs.Add(await MeasureAsync(client, mode, c, settings.GenerationsPerClient, settings.Steps, ct));
                    }

                    var latencies = runs.SelectMany(x => x.Latencies).Order().ToList();
                    var point = new Point(Name(mode), batching, c, Median(runs.Select(x => x.Throughput)), Percentile(latencies, 0.5), Percentile(latencies, 0.95));
                    points.Add(point);
                    Console.Error.WriteLine($"{point.Mode,-6} batching {(batching ? "on " : "off")} c={c,-3} {point.ImagesPerSecond,6:F2} img/s  p50 {point.P50:F2} s  p95 {point.P95:F2} s");
                }
            }
        }

        var overhead = await OverheadAsync(settings, ct);
        string table = Render(settings, points, overhead, reproducibility, started);
        Console.WriteLine(table);
        if (settings.Markdown is not null)
        {
            Directory.CreateDirectory(settings.Markdown.DirectoryName ?? ".");
            await File.WriteAllTextAsync(settings.Markdown.FullName, table, ct);
            Console.Error.WriteLine($"wrote {settings.Markdown.FullName}");
        }

        return 0;
    }

    private static Task<LocalChatsSystem> StartAsync(Settings settings, bool batching, CancellationToken ct)
    {
        var overrides = new Dictionary<string, IReadOnlyDictionary<string, string?>>();
        foreach (string role in new[] { "preferred", "dispreferred", "standard" })
        {
            overrides[role] = new Dictionary<string, string?> { ["Denoiser:BatchAcrossSessions"] = batching ? "true" : "false" };
        }

        return LocalChatsSystem.StartAsync(
            new LocalSystemOptions { ModelPath = settings.Model, StandardModelPath = settings.StandardModel, Overrides = overrides }, ct);
    }

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
    private static async Task<(double Services, double InProcess)> OverheadAsync(Settings settings, CancellationToken ct)
    {
        const int Runs = 7;
        var services = new List<double>();
        await using (var system = await LocalChatsSystem.StartAsync(new LocalSystemOptions { ModelPath = settings.Model, StandardModelPath = settings.StandardModel }, ct))
        {
            using var client = new ChatsClient(system.Gateway);
            await client.GenerateAsync(Request(GuidanceMode.Chats, settings.Steps, 0), cancellationToken: ct);
            for (int i = 0; i < Runs; i++)
            {
                var t = Stopwatch.StartNew();
                await client.GenerateAsync(Request(GuidanceMode.Chats, settings.Steps, (ulong)i + 1), cancellationToken: ct);
                services.Add(t.Elapsed.TotalSeconds);
            }
        }

        var inProcess = new List<double>();
        using (var local = LocalPipeline.Open(settings.Model, standardModelPath: settings.StandardModel))
        {
            var input = new Core.Sampling.GenerationRequestInput("a red circle and a blue square", string.Empty, 0, 0, settings.Steps, 0, null, null, Core.Guidance.GuidanceMode.Chats, null, 1);
            await local.GenerateAsync(input, ct);
            for (int i = 0; i < Runs; i++)
            {
                var t = Stopwatch.StartNew();
                await local.GenerateAsync(input with { Seed = (ulong)i + 1 }, ct);
                inProcess.Add(t.Elapsed.TotalSeconds);
            }
        }

        return (Median(services), Median(inProcess));
    }

    /// <summary>
    /// Does a generation's PNG depend on what it was batched with? Each request alone, then all of them at once
    /// (their steps meet in the denoisers' queues): byte-identical PNGs counted, and the largest 8-bit difference.
    /// </summary>
    private static async Task<Reproducibility> ReproducibilityAsync(ChatsClient client, bool batching, int steps, CancellationToken ct)
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
        return new Reproducibility(batching, Requests, identical, maxDifference);
    }

    private static string Render(
        Settings settings, List<Point> points, (double Services, double InProcess) overhead, List<Reproducibility> reproducibility, DateTime started)
    {
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine("# Serving benchmark");
        md.AppendLine();
        md.AppendLine(inv, $"`./chats bench serve` on {Environment.ProcessorCount} cores, {started:yyyy-MM-dd HH:mm} UTC: the whole system in one process, each service on its own loopback port, through the gateway; model `{Path.GetFileName(settings.Model.TrimEnd('/'))}`, {settings.Steps} steps, 1 image per request, {settings.GenerationsPerClient} generations per concurrent client, median throughput of {settings.Repeats} run(s); latency percentiles over all runs' generations.");
        md.AppendLine();
        md.AppendLine("| concurrent | CHATS img/s, batching on | off | on ÷ off | CFG img/s, on | off | on ÷ off | CHATS ÷ CFG (on) | CHATS p50 / p95 s (on) | (off) | CFG p50 / p95 s (on) | (off) |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (int c in settings.Concurrency)
        {
            Point P(string mode, bool on) => points.Single(p => p.Mode == mode && p.Batching == on && p.Concurrency == c);
            var (chatsOn, chatsOff, cfgOn, cfgOff) = (P("chats", true), P("chats", false), P("cfg", true), P("cfg", false));
            md.AppendLine(inv,
                $"| {c} | {chatsOn.ImagesPerSecond:F2} | {chatsOff.ImagesPerSecond:F2} | {chatsOn.ImagesPerSecond / chatsOff.ImagesPerSecond:F2} | {cfgOn.ImagesPerSecond:F2} | {cfgOff.ImagesPerSecond:F2} | {cfgOn.ImagesPerSecond / cfgOff.ImagesPerSecond:F2} | {chatsOn.ImagesPerSecond / cfgOn.ImagesPerSecond:F2} | {chatsOn.P50:F2} / {chatsOn.P95:F2} | {chatsOff.P50:F2} / {chatsOff.P95:F2} | {cfgOn.P50:F2} / {cfgOn.P95:F2} | {cfgOff.P50:F2} / {cfgOff.P95:F2} |");
        }

        int first = settings.Concurrency[0], last = settings.Concurrency[^1];
        double Scale(string mode) => points.Single(p => p.Mode == mode && p.Batching && p.Concurrency == last).ImagesPerSecond
            / points.Single(p => p.Mode == mode && p.Batching && p.Concurrency == first).ImagesPerSecond;
        md.AppendLine();
        md.AppendLine(inv, $"- Throughput at {last} ÷ at {first} concurrent, batching on: CHATS {Scale("chats"):F2}×, CFG {Scale("cfg"):F2}×.");
        md.AppendLine(inv, $"- One CHATS generation at concurrency 1: services {overhead.Services:F3} s, in-process {overhead.InProcess:F3} s (median of 7); services ÷ in-process {overhead.Services / overhead.InProcess:F3}.");
        md.AppendLine("- Every role shares the same cores here, so CHATS ÷ CFG is at equal total cores.");
        foreach (var r in reproducibility)
        {
            md.AppendLine(inv, $"- Reproducibility under load, batching {(r.Batching ? "on" : "off")}: {r.Requests} CHATS requests sent alone, then all at once: {r.Identical} of {r.Requests} PNGs byte-identical, largest 8-bit pixel difference {r.MaxPixelDifference}.");
        }
        return md.ToString();
    }

    private static GenerateRequest Request(GuidanceMode mode, int steps, ulong seed)
        => new() { Prompt = "a red circle and a blue square", Mode = mode, Steps = steps, Seed = seed, NumImages = 1 };

    private static string Name(GuidanceMode mode) => mode == GuidanceMode.Cfg ? "cfg" : "chats";

    private static double Median(IEnumerable<double> values) => Percentile([.. values.Order()], 0.5);

    private static double Percentile(List<double> sorted, double q)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        double rank = q * (sorted.Count - 1);
        int lo = (int)Math.Floor(rank), hi = (int)Math.Ceiling(rank);
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * (rank - lo));
    }
}
