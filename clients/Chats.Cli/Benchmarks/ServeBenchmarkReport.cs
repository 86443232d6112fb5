using System.Globalization;
using System.Text;

namespace Chats.Cli.Benchmarks;

/// <summary>The figures of one <c>chats bench serve</c> run and their Markdown (docs/benchmarks.md).</summary>
internal sealed class ServeBenchmarkReport(ServeBenchmark.Settings settings, DateTime started)
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    public List<ServePoint> Sweep { get; } = [];

    public List<ServePoint> QueueDelay { get; } = [];

    public List<ServePoint> Threads { get; } = [];

    public List<ServePoint> MaxBatch { get; } = [];

    public List<ServePoint> Compute { get; } = [];

    public List<ServeReproducibility> Reproducibility { get; } = [];

    public ServeOverhead? Overhead { get; set; }

    public string? ComputeModel { get; set; }

    public string Render()
    {
        var md = new StringBuilder();
        md.AppendLine("# Serving benchmark");
        md.AppendLine();
        md.AppendLine(s_inv, $"`{CommandLine()}`, {started:yyyy-MM-dd HH:mm} UTC, on {Machine()}.");
        md.AppendLine();
        md.AppendLine(s_inv, $"The whole system runs in one process, each service on its own loopback port, and is driven through the gateway with 1 image per request. Lab models: `{Path.GetFileName(settings.Model.TrimEnd('/'))}`{(settings.StandardModel is null ? string.Empty : $" (CFG on `{Path.GetFileName(settings.StandardModel.TrimEnd('/'))}`)")}, {settings.Steps} steps, {settings.GenerationsPerClient} generations per concurrent client per run, {settings.Repeats} runs per point, each run of every configuration on a fresh system and in an order that reverses from run to run; throughput is the median of the runs, latency percentiles are over all their generations. Denoisers: MaxBatch {settings.MaxBatch}, MaxQueueDelay {settings.MaxQueueDelayMicroseconds} µs, {ThreadsText(settings.DenoiserThreads)}. Every role shares the same cores, so CHATS ÷ CFG is at equal total cores.");
        if (Sweep.Count > 0)
        {
            RenderSweep(md, "Throughput and latency, lab models", Sweep);
            if (settings.Plot is not null && settings.Markdown is not null)
            {
                md.AppendLine();
                md.AppendLine(s_inv, $"![images/s against concurrent generations]({Path.GetRelativePath(settings.Markdown.DirectoryName ?? ".", settings.Plot.FullName)})");
            }

            RenderTargets(md);
        }

        if (Sweep.Count > 0 || Compute.Count > 0)
        {
            RenderBreakdown(md);
        }

        if (QueueDelay.Count > 0)
        {
            RenderQueueDelay(md);
        }

        if (Threads.Count > 0)
        {
            RenderThreads(md);
        }

        if (MaxBatch.Count > 0)
        {
            RenderMaxBatch(md);
        }

        if (Compute.Count > 0)
        {
            md.AppendLine();
            double Forward(string mode) => Compute.Where(p => p.Mode == mode && p.Knobs.Batching && p.Concurrency == Compute.Min(q => q.Concurrency))
                .SelectMany(p => p.Breakdown.Roles).Select(r => r.ForwardMs).DefaultIfEmpty(double.NaN).First();
            md.AppendLine(s_inv, $"Compute-bound workload: `{Path.GetFileName(ComputeModel?.TrimEnd('/'))}` (SD1.5's UNet block layout at a fifth of its widths, random weights: `./chats model create-tiny --preset sd15-shaped`), {settings.ComputeSteps} steps, 1 generation per client per run, 1 run per point. One generation alone: a CFG step's forward pass (2 rows, every core) takes {Forward("cfg"):F0} ms, a CHATS step's θ+ forward (1 row, half the cores by the thread rule) {Forward("chats"):F0} ms.");
            RenderSweep(md, "Throughput and latency, compute-bound", Compute);
        }

        if (Reproducibility.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("## Reproducibility under load");
            md.AppendLine();
            foreach (var r in Reproducibility)
            {
                md.AppendLine(s_inv, $"- Batching {(r.Batching ? "on" : "off")}: {r.Requests} CHATS requests sent alone, then all at once: {r.Identical} of {r.Requests} PNGs byte-identical, largest 8-bit pixel difference {r.MaxPixelDifference}.");
            }
        }

        return md.ToString();
    }

    /// <summary>Throughput against concurrency, one line per mode and batching setting, for the lab sweep (and the compute-bound one when measured).</summary>
    public void WritePlot(string path)
    {
        var series = new List<ThroughputSeries>();
        foreach (var (workload, points) in new[] { ("lab", Sweep), ("compute", Compute) })
        {
            foreach (var group in points.GroupBy(p => (p.Mode, p.Knobs.Batching)))
            {
                string name = $"{(group.Key.Mode == "cfg" ? "CFG" : "CHATS")}, batching {(group.Key.Batching ? "on" : "off")}{(workload == "lab" ? string.Empty : ", compute-bound")}";
                series.Add(new ThroughputSeries(name, [.. group.OrderBy(p => p.Concurrency).Select(p => new ThroughputPoint(p.Concurrency, p.ImagesPerSecond))]));
            }
        }

        ThroughputPlot.Write($"chats bench serve, {Environment.ProcessorCount} cores: images/s against concurrent generations", series, path);
    }

    private static void RenderSweep(StringBuilder md, string title, List<ServePoint> points)
    {
        md.AppendLine();
        md.AppendLine(s_inv, $"## {title}");
        md.AppendLine();
        md.AppendLine("| concurrent | CHATS img/s, batching on | off | on ÷ off | CFG img/s, on | off | on ÷ off | CHATS ÷ CFG (on) | CHATS p50 / p95 s (on) | (off) | CFG p50 / p95 s (on) | (off) |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (int c in points.Select(p => p.Concurrency).Distinct().Order())
        {
            ServePoint? P(string mode, bool on) => points.SingleOrDefault(p => p.Mode == mode && p.Knobs.Batching == on && p.Concurrency == c);
            var (chatsOn, chatsOff, cfgOn, cfgOff) = (P("chats", true), P("chats", false), P("cfg", true), P("cfg", false));
            md.AppendLine(s_inv,
                $"| {c} | {Ips(chatsOn)} | {Ips(chatsOff)} | {Ratio(chatsOn, chatsOff)} | {Ips(cfgOn)} | {Ips(cfgOff)} | {Ratio(cfgOn, cfgOff)} | {Ratio(chatsOn, cfgOn)} | {Lat(chatsOn)} | {Lat(chatsOff)} | {Lat(cfgOn)} | {Lat(cfgOff)} |");
        }

        var spreads = points.Where(p => p.Repeats > 1).OrderBy(p => p.Spread).ToList();
        if (spreads.Count > 0)
        {
            var worst = spreads[^1];
            md.AppendLine();
            md.AppendLine(s_inv, $"Noise: the spread of the runs of one point, (max − min) ÷ median throughput, was {spreads[spreads.Count / 2].Spread:P0} at the median point and {worst.Spread:P0} at worst ({worst.Mode}, batching {(worst.Knobs.Batching ? "on" : "off")}, {worst.Concurrency} concurrent).");
        }
    }

    private void RenderTargets(StringBuilder md)
    {
        md.AppendLine();
        md.AppendLine("## Against the targets");
        md.AppendLine();
        ServePoint? P(string mode, bool on, int c) => Sweep.SingleOrDefault(p => p.Mode == mode && p.Knobs.Batching == on && p.Concurrency == c);
        int first = Sweep.Min(p => p.Concurrency);
        int at = Sweep.Any(p => p.Concurrency == 16) ? 16 : Sweep.Max(p => p.Concurrency);
        foreach (string mode in new[] { "chats", "cfg" })
        {
            md.AppendLine(s_inv, $"- {Label(mode)}: throughput at {at} ÷ at {first} concurrent, batching on: {Ratio(P(mode, true, at), P(mode, true, first))}× (target ≥ 3×); batching off: {Ratio(P(mode, false, at), P(mode, false, first))}×.");
        }

        md.AppendLine(s_inv, $"- CHATS ÷ CFG throughput at {at} concurrent, batching on: {Ratio(P("chats", true, at), P("cfg", true, at))} (target ≥ 0.97).");
        foreach (string mode in new[] { "chats", "cfg" })
        {
            var (on, off) = (P(mode, true, first), P(mode, false, first));
            if (on is not null && off is not null)
            {
                md.AppendLine(s_inv, $"- {Label(mode)} p50 latency at {first} concurrent: batching on {on.P50:F3} s, off {off.P50:F3} s, on ÷ off {on.P50 / off.P50:F3} (target within 5%).");
            }
        }

        if (Overhead is { } o)
        {
            md.AppendLine(s_inv, $"- One CHATS generation at concurrency 1: services {o.Services:F3} s, in-process {o.InProcess:F3} s (median of {o.Runs}); services ÷ in-process {o.Services / o.InProcess:F3} (target ≤ 1.03).");
        }
    }

    private void RenderBreakdown(StringBuilder md)
    {
        md.AppendLine();
        md.AppendLine("## Per-step breakdown");
        md.AppendLine();
        md.AppendLine("From the services' own histograms over each point's runs (means): the sampler's call to each denoiser per step; of it, the wait in the denoiser's queue and the forward pass (which batched steps share); wire = the call minus the denoiser's time for the step (serialising, HTTP/2, scheduling); the sampler's guidance and scheduler math per step; encode and decode per generation.");
        md.AppendLine();
        md.AppendLine("| workload | mode | batching | concurrent | role | call ms | queue wait ms | forward ms | steps / forward | rows / forward | wire ms | guidance ms / step | encode ms / gen | decode ms / gen |");
        md.AppendLine("|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        int[] labAt = [Sweep.Count == 0 ? 1 : Sweep.Min(p => p.Concurrency), Sweep.Any(p => p.Concurrency == 16) ? 16 : (Sweep.Count == 0 ? 1 : Sweep.Max(p => p.Concurrency))];
        var rows = Sweep.Where(p => labAt.Contains(p.Concurrency)).Concat(Compute)
            .OrderBy(p => p.Workload != "lab").ThenBy(p => p.Mode).ThenBy(p => !p.Knobs.Batching).ThenBy(p => p.Concurrency);
        foreach (var p in rows)
        {
            var b = p.Breakdown;
            foreach (var r in b.Roles)
            {
                md.AppendLine(s_inv,
                    $"| {p.Workload} | {Label(p.Mode)} | {(p.Knobs.Batching ? "on" : "off")} | {p.Concurrency} | {r.Role} | {r.CallMs:F2} | {r.QueueMs:F2} | {r.ForwardMs:F2} | {r.StepsPerForward:F1} | {r.RowsPerForward:F1} | {r.WireMs:F2} | {b.GuidanceMs:F3} | {b.EncodeMs:F1} | {b.DecodeMs:F1} |");
            }
        }
    }

    private void RenderQueueDelay(StringBuilder md)
    {
        md.AppendLine();
        md.AppendLine("## Denoiser:MaxQueueDelay");
        md.AppendLine();
        md.AppendLine("Batching on. The model thread waits up to the delay for a fuller batch, and only while an open session has no step queued (so a lone generation never waits). Without it, generations that start out of phase stay out of phase: each forward pass takes the one step that arrived while the previous one ran.");
        md.AppendLine();
        md.AppendLine("| MaxQueueDelay µs | concurrent | CHATS img/s | CHATS p50 s | CHATS steps / forward | CFG img/s | CFG p50 s | CFG steps / forward |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var group in QueueDelay.GroupBy(p => (p.Knobs.MaxQueueDelayMicroseconds, p.Concurrency)).OrderBy(g => g.Key.MaxQueueDelayMicroseconds).ThenBy(g => g.Key.Concurrency))
        {
            var chats = group.SingleOrDefault(p => p.Mode == "chats");
            var cfg = group.SingleOrDefault(p => p.Mode == "cfg");
            md.AppendLine(s_inv,
                $"| {group.Key.MaxQueueDelayMicroseconds} | {group.Key.Concurrency} | {Ips(chats)} | {chats?.P50:F2} | {StepsPerForward(chats)} | {Ips(cfg)} | {cfg?.P50:F2} | {StepsPerForward(cfg)} |");
        }
    }

    private void RenderThreads(StringBuilder md)
    {
        md.AppendLine();
        md.AppendLine("## libtorch threads per denoiser");
        md.AppendLine();
        md.AppendLine(s_inv, $"Batching on, {Environment.ProcessorCount} cores. Every denoiser as wide as the machine (`Denoiser:Threads={Environment.ProcessorCount}` on each), against the local system's rule: θ+ and θ− compute together in a CHATS step and get {Inference.Engine.TorchThreads.ForDenoiser(Core.Sampling.DenoiserRole.Preferred)} thread(s) each, the standard denoiser computes alone in a CFG step and keeps {Inference.Engine.TorchThreads.ForDenoiser(Core.Sampling.DenoiserRole.Standard)}.");
        md.AppendLine();
        md.AppendLine("| denoiser threads | concurrent | CHATS img/s | CHATS p50 s | CFG img/s | CFG p50 s |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var group in Threads.GroupBy(p => (p.Knobs.DenoiserThreads, p.Concurrency)).OrderBy(g => g.Key.DenoiserThreads is null).ThenBy(g => g.Key.Concurrency))
        {
            var chats = group.SingleOrDefault(p => p.Mode == "chats");
            var cfg = group.SingleOrDefault(p => p.Mode == "cfg");
            string label = group.Key.DenoiserThreads is { } n ? $"{n} each" : "the rule";
            md.AppendLine(s_inv, $"| {label} | {group.Key.Concurrency} | {Ips(chats)} | {chats?.P50:F3} | {Ips(cfg)} | {cfg?.P50:F3} |");
        }
    }

    private void RenderMaxBatch(StringBuilder md)
    {
        md.AppendLine();
        md.AppendLine("## Denoiser:MaxBatch");
        md.AppendLine();
        md.AppendLine(s_inv, $"Batching on, {MaxBatch[0].Concurrency} concurrent generations. A CFG step is 2 rows (conditional and unconditional), a CHATS step 1 row on each denoiser.");
        md.AppendLine();
        md.AppendLine("| MaxBatch | CHATS img/s | CHATS p50 s | CHATS rows / forward | CFG img/s | CFG p50 s | CFG rows / forward |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var group in MaxBatch.GroupBy(p => p.Knobs.MaxBatch).OrderBy(g => g.Key))
        {
            var chats = group.SingleOrDefault(p => p.Mode == "chats");
            var cfg = group.SingleOrDefault(p => p.Mode == "cfg");
            md.AppendLine(s_inv,
                $"| {group.Key} | {Ips(chats)} | {chats?.P50:F2} | {RowsPerForward(chats)} | {Ips(cfg)} | {cfg?.P50:F2} | {RowsPerForward(cfg)} |");
        }
    }

    private string CommandLine()
    {
        var parts = new List<string> { "./chats bench serve" };
        parts.Add($"--concurrency {string.Join(',', settings.Concurrency)}");
        parts.Add($"--repeats {settings.Repeats}");
        parts.Add($"--per-client {settings.GenerationsPerClient}");
        if (settings.Sections.Count != ServeBenchmark.AllSections.Count)
        {
            parts.Add($"--sections {string.Join(',', ServeBenchmark.AllSections.Where(settings.Sections.Contains))}");
        }

        if (settings.Markdown is not null)
        {
            parts.Add($"--markdown {Path.GetRelativePath(Directory.GetCurrentDirectory(), settings.Markdown.FullName)}");
        }

        if (settings.Plot is not null)
        {
            parts.Add($"--plot {Path.GetRelativePath(Directory.GetCurrentDirectory(), settings.Plot.FullName)}");
        }

        return string.Join(' ', parts);
    }

    private static string Machine()
    {
        string cpu = "unknown CPU";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException)
        {
        }

        double memoryGiB = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        return string.Create(s_inv, $"{Environment.ProcessorCount} cores ({cpu}), {memoryGiB:F0} GiB memory, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
    }

    private static string ThreadsText(int? threads)
        => threads is { } n ? $"{n} libtorch thread(s) per denoiser" : "libtorch threads per role by the local system's rule (see the threads table)";

    private static string StepsPerForward(ServePoint? p)
        => p is null || p.Breakdown.Roles.Count == 0 ? "–" : p.Breakdown.Roles.Average(r => r.StepsPerForward).ToString("F1", s_inv);

    private static string RowsPerForward(ServePoint? p)
        => p is null || p.Breakdown.Roles.Count == 0 ? "–" : p.Breakdown.Roles.Average(r => r.RowsPerForward).ToString("F1", s_inv);

    private static string Label(string mode) => mode == "cfg" ? "CFG" : "CHATS";

    private static string Ips(ServePoint? p) => p is null ? "–" : p.ImagesPerSecond.ToString("F2", s_inv);

    private static string Lat(ServePoint? p) => p is null ? "–" : string.Create(s_inv, $"{p.P50:F2} / {p.P95:F2}");

    private static string Ratio(ServePoint? a, ServePoint? b)
        => a is null || b is null ? "–" : (a.ImagesPerSecond / b.ImagesPerSecond).ToString("F2", s_inv);
}
