using System.Diagnostics;
using System.Globalization;
using Chats.Cli.Benchmarks;
using Chats.Cli.Processes;
using Chats.Client;
using Chats.Core.Loading;
using Chats.Core.Sampling;
using Chats.Protos.V1;
using Grpc.Core;

namespace Chats.Cli;

/// <summary>
/// <c>chats bench load</c> (<see cref="Commands.BenchCommands"/>): every role as its own process (<c>chats serve</c>)
/// behind a gateway process; many generations at a fixed concurrency through the gateway with the SDK. A refused
/// generation (RESOURCE_EXHAUSTED) is retried after the delay its <c>retry-after-ms</c> trailer names, so every
/// generation should end with an image; each image is compared with the same request generated alone beforehand, and
/// each role's resident memory is read after the first <c>checkpoint</c> generations and after all of them.
/// </summary>
internal static class LoadBenchmark
{
    /// <summary>What the command line asked for.</summary>
    public sealed record Settings(string Model, int Concurrency, int Generations, int Checkpoint, int Steps, int Distinct);

    private sealed record Role(string Name, string Service, Dictionary<string, string> Settings);

    /// <summary>From a process's <c>/metrics</c>: its series count, its managed heap (MB) and its gen-2 collections so far.</summary>
    private sealed record MetricsReading(int Series, double ManagedMegabytes, int Gen2Collections);

    // The batched UNet forward rounds differently from a lone one: ±1 of 8 bits was seen (docs/benchmarks.md); more
    // than 2 would be a different image, not rounding.
    private const int Tolerance = 2;

    // The RSS target: after all generations within 10% of after the checkpoint.
    private const double RssTarget = 0.10;

    private static readonly string[] s_prompts =
    [
        "a red circle and a blue square",
        "a green triangle above a yellow circle",
        "two blue squares",
        "a purple star on the left",
    ];

    public static async Task<int> RunAsync(Settings settings, CancellationToken ct)
    {
        var folder = DiffusersPipelineFolder.Open(settings.Model);
        bool chats = DenoiserComponents.Has(folder, DenoiserRole.Preferred) && DenoiserComponents.Has(folder, DenoiserRole.Dispreferred);
        var mode = chats ? GuidanceMode.Chats : GuidanceMode.Cfg;
        var wall = Stopwatch.StartNew();
        Console.Error.WriteLine($"load: {folder.Root}, {Name(mode)}, {settings.Steps} steps, {settings.Generations} generations at concurrency {settings.Concurrency}, {settings.Distinct} distinct requests");

        var processes = new List<ServiceProcess>();
        try
        {
            foreach (var role in BackendRoles(folder, chats))
            {
                processes.Add(await StartAsync(role, ct));
            }

            var samplerSettings = new Dictionary<string, string>
            {
                ["Sampler:ModelPath"] = folder.Root,
                ["Sampler:TextEncoder"] = Address(processes, "text-encoder"),
                ["Sampler:Decoder"] = Address(processes, "decoder"),
            };
            foreach (string role in chats ? ["preferred", "dispreferred"] : new[] { "standard" })
            {
                samplerSettings[$"Sampler:{char.ToUpperInvariant(role[0])}{role[1..]}"] = Address(processes, role);
            }

            var sampler = await StartAsync(new Role("sampler", "sampler", samplerSettings), ct);
            processes.Add(sampler);
            processes.Add(await StartAsync(new Role("gateway", "gateway", new() { ["Gateway:Samplers:0"] = sampler.Grpc.ToString() }), ct));
            Console.Error.WriteLine($"load: {processes.Count} processes listening after {wall.Elapsed.TotalSeconds:F0} s");

            // No SDK retries: this benchmark retries refusals itself, after their hint, and counts each status.
            using var client = new ChatsClient(processes[^1].Grpc, new ChatsClientOptions { Timeout = TimeSpan.FromMinutes(30), Retry = { MaxAttempts = 1 } });
            var requests = Enumerable.Range(0, settings.Distinct)
                .Select(i => new GenerateRequest { Prompt = s_prompts[i % s_prompts.Length], Mode = mode, Steps = settings.Steps, Seed = 1000 + (ulong)i, NumImages = 1 })
                .ToList();

            // The references, one at a time: nothing else is in flight, so nothing is batched with them. The first
            // also warms every process (channels, JIT, allocator).
            var references = new List<byte[]>();
            var t = Stopwatch.StartNew();
            foreach (var request in requests)
            {
                references.Add((await client.GenerateAsync(request, cancellationToken: ct)).Images[0].Png.ToByteArray());
            }

            Console.Error.WriteLine($"load: {references.Count} references generated alone in {t.Elapsed.TotalSeconds:F1} s");

            // A first scrape creates the series that scraping itself records (HTTP request and connection metrics), so
            // the two counts below differ only by what the load added.
            await MetricSeriesAsync(processes, ct);
            var tally = new LoadTally();
            int checkpoint = Math.Clamp(settings.Checkpoint, 1, settings.Generations);
            var loadClock = Stopwatch.StartNew();
            await RunPhaseAsync(client, requests, references, 0, checkpoint, settings.Concurrency, tally, processes, ct);
            var afterCheckpoint = await ResidentAsync(processes, ct);
            var seriesAtCheckpoint = await MetricSeriesAsync(processes, ct);
            Console.Error.WriteLine($"load: {checkpoint} generations done after {loadClock.Elapsed.TotalSeconds:F0} s; RSS read");
            await RunPhaseAsync(client, requests, references, checkpoint, settings.Generations, settings.Concurrency, tally, processes, ct);
            double loadSeconds = loadClock.Elapsed.TotalSeconds;
            var afterAll = await ResidentAsync(processes, ct);
            var seriesAtEnd = await MetricSeriesAsync(processes, ct);

            bool passed = Print(settings, mode, tally, checkpoint, loadSeconds, processes, afterCheckpoint, afterAll, seriesAtCheckpoint, seriesAtEnd);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"total time: {wall.Elapsed.TotalSeconds:F0} s (start-up, references and load)"));
            return passed ? 0 : 1;
        }
        finally
        {
            foreach (var process in Enumerable.Reverse(processes))
            {
                if (process.HasExited)
                {
                    Console.Error.WriteLine($"{process.Name} had exited (code {process.ExitCode}):\n{process.Tail}");
                }

                await process.DisposeAsync();
            }
        }
    }

    private static IEnumerable<Role> BackendRoles(DiffusersPipelineFolder folder, bool chats)
    {
        string m = folder.Root;
        yield return new Role("text-encoder", "text-encoder", new() { ["TextEncoder:ModelPath"] = m });
        if (chats)
        {
            // θ+ and θ− compute together: one core each of this machine's (TorchThreads.ForDenoiser's rule).
            foreach (var role in new[] { DenoiserRole.Preferred, DenoiserRole.Dispreferred })
            {
                yield return new Role(role.ToString().ToLowerInvariant(), "denoiser", new()
                {
                    ["Denoiser:ModelPath"] = m,
                    ["Denoiser:Role"] = role.ToString(),
                    ["Denoiser:Component"] = DenoiserComponents.For(role, folder),
                    ["Denoiser:Threads"] = Inference.Engine.TorchThreads.ForDenoiser(role).ToString(CultureInfo.InvariantCulture),
                });
            }
        }
        else
        {
            yield return new Role("standard", "denoiser", new()
            {
                ["Denoiser:ModelPath"] = m,
                ["Denoiser:Role"] = nameof(DenoiserRole.Standard),
                ["Denoiser:Component"] = DenoiserComponents.For(DenoiserRole.Standard, folder),
            });
        }

        yield return new Role("decoder", "decoder", new() { ["Decoder:ModelPath"] = m });
    }

    private static Task<ServiceProcess> StartAsync(Role role, CancellationToken ct)
    {
        var settings = new Dictionary<string, string>(role.Settings)
        {
            ["Endpoints:Host"] = "127.0.0.1",
            ["Endpoints:GrpcPort"] = "0",
            ["Endpoints:HttpPort"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
            // gRPC services use no data-protection keys; its first-run key warning is noise here.
            ["Logging:LogLevel:Microsoft.AspNetCore.DataProtection"] = "Error",
        };
        return ServiceProcess.StartAsync(role.Name, role.Service, settings, TimeSpan.FromMinutes(5), ct);
    }

    private static string Address(List<ServiceProcess> processes, string name) => processes.Single(p => p.Name == name).Grpc.ToString();

    /// <summary>Generations <paramref name="from"/> to <paramref name="to"/> (exclusive), <paramref name="concurrency"/> at a time.</summary>
    private static async Task RunPhaseAsync(
        ChatsClient client, List<GenerateRequest> requests, List<byte[]> references,
        int from, int to, int concurrency, LoadTally tally, List<ServiceProcess> processes, CancellationToken ct)
    {
        int next = from - 1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            for (int g = Interlocked.Increment(ref next); g < to; g = Interlocked.Increment(ref next))
            {
                await GenerateAsync(client, requests[g % requests.Count], references[g % requests.Count], tally, ct);
                if (tally.Succeeded % 100 == 0)
                {
                    // RSS under load, for the trend between the two settled readings.
                    string rss = string.Join(", ", processes.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Name} {p.ResidentMegabytes():F0}")));
                    Console.Error.WriteLine($"load: {tally.Succeeded} succeeded, {tally.Refused} refused so far; RSS MB: {rss}");
                }
            }
        }));
    }

    /// <summary>One generation, retried after each refusal's suggested delay until it ends with an image or another status.</summary>
    private static async Task GenerateAsync(ChatsClient client, GenerateRequest request, byte[] reference, LoadTally tally, CancellationToken ct)
    {
        var endToEnd = Stopwatch.StartNew();
        while (true)
        {
            var attempt = Stopwatch.StartNew();
            tally.Attempted();
            try
            {
                var result = await client.GenerateAsync(request, cancellationToken: ct);
                double lastAttempt = attempt.Elapsed.TotalSeconds;
                var (identical, difference) = Compare(result, request, reference);
                tally.Success(endToEnd.Elapsed.TotalSeconds, lastAttempt, identical, difference, Tolerance);
                return;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && !ct.IsCancellationRequested)
            {
                var hint = RetryHints.RetryAfter(e);
                tally.Refusal(e.Status.Detail, hint is not null);
                await Task.Delay(hint ?? RetryDelay.Generation, ct);
            }
            catch (RpcException e) when (!ct.IsCancellationRequested)
            {
                tally.Failure(e.StatusCode);
                Console.Error.WriteLine($"load: generation failed: {e.StatusCode}: {e.Status.Detail}");
                return;
            }
        }
    }

    private static (bool Identical, int? Difference) Compare(GenerationResult result, GenerateRequest request, byte[] reference)
    {
        if (result.Images.Count != 1 || result.Images[0].Seed != request.Seed)
        {
            return (false, null);
        }

        byte[] png = result.Images[0].Png.ToByteArray();
        if (png.AsSpan().SequenceEqual(reference))
        {
            return (true, 0);
        }

        var a = Training.Data.RgbImageDecoder.Decode(reference);
        var b = Training.Data.RgbImageDecoder.Decode(png);
        if (a.Width != b.Width || a.Height != b.Height)
        {
            return (false, null);
        }

        int max = 0;
        for (int i = 0; i < a.Rgb.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a.Rgb[i] - b.Rgb[i]));
        }

        return (false, max);
    }

    /// <summary>Every process's RSS once the load has stopped and settled (in-flight buffers returned, GC run).</summary>
    private static async Task<double[]> ResidentAsync(List<ServiceProcess> processes, CancellationToken ct)
    {
        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        return [.. processes.Select(p => p.ResidentMegabytes())];
    }

    /// <summary>
    /// Each process's count of Prometheus series (sample lines of <c>/metrics</c>): a label that took a new value per
    /// request or session would grow memory without bound, and shows here first.
    /// </summary>
    /// <remarks>The managed heap (<c>dotnet_total_memory_bytes</c>) against RSS tells managed growth from native.</remarks>
    private static async Task<MetricsReading[]> MetricSeriesAsync(List<ServiceProcess> processes, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var readings = new MetricsReading[processes.Count];
        for (int i = 0; i < processes.Count; i++)
        {
            if (processes[i].Http is not { } address)
            {
                readings[i] = new MetricsReading(-1, double.NaN, -1);
                continue;
            }

            string text = await http.GetStringAsync(new Uri(address, "/metrics"), ct);
            var samples = text.Split('\n').Where(line => line.Length > 0 && line[0] != '#').ToList();
            readings[i] = new MetricsReading(
                samples.Count,
                Sample(samples, "dotnet_total_memory_bytes ") / 1_048_576.0,
                (int)Sample(samples, "dotnet_collection_count_total{generation=\"2\"} "));
        }

        return readings;

        static double Sample(List<string> samples, string prefix)
            => samples.FirstOrDefault(s => s.StartsWith(prefix, StringComparison.Ordinal)) is { } line
                ? double.Parse(line[prefix.Length..], NumberStyles.Float, CultureInfo.InvariantCulture)
                : double.NaN;
    }

    private static bool Print(
        Settings settings, GuidanceMode mode, LoadTally tally, int checkpoint, double loadSeconds,
        List<ServiceProcess> processes, double[] afterCheckpoint, double[] afterAll, MetricsReading[] seriesAtCheckpoint, MetricsReading[] seriesAtEnd)
    {
        var inv = CultureInfo.InvariantCulture;
        int lost = settings.Generations - tally.Succeeded;
        Console.WriteLine(string.Create(inv, $"bench load: {settings.Model}, {Name(mode)}, {settings.Steps} steps, {settings.Generations} generations at concurrency {settings.Concurrency} through the gateway ({settings.Distinct} distinct requests, each generated alone first as its reference)"));
        Console.WriteLine(string.Create(inv, $"generations: {settings.Generations} attempted, {tally.Succeeded} succeeded, {lost} lost; {tally.Attempts} calls"));
        Console.WriteLine(string.Create(inv, $"refused (RESOURCE_EXHAUSTED): {tally.Refused} calls, each retried after its hint ({tally.Refused} retries; {tally.RefusedWithoutHint} without a retry-after-ms trailer)"));
        foreach (var (detail, count) in tally.RefusalDetails.OrderByDescending(d => d.Value))
        {
            Console.WriteLine(string.Create(inv, $"  {count,6} × \"{detail}\""));
        }

        Console.WriteLine(tally.Failures.Count == 0
            ? "failed (other statuses): none"
            : "failed (other statuses): " + string.Join(", ", tally.Failures.OrderBy(f => f.Key).Select(f => string.Create(inv, $"{f.Key} {f.Value}"))));
        string within = tally.Corrupted == 0 && tally.ByteIdentical < tally.Succeeded ? $"; the others within ±{Tolerance}: batched rounding, not corruption" : string.Empty;
        Console.WriteLine(string.Create(inv,
            $"images: {tally.ByteIdentical}/{tally.Succeeded} byte-identical to their reference, max pixel difference {tally.MaxPixelDifference} of 255; {tally.Corrupted} wrong (more than ±{Tolerance} or not the image asked for){within}"));
        Console.WriteLine(string.Create(inv,
            $"latency, end to end with retries: p50 {Percentile(tally.EndToEndSeconds, 0.50):F2} s, p95 {Percentile(tally.EndToEndSeconds, 0.95):F2} s; the attempt that succeeded: p50 {Percentile(tally.LastAttemptSeconds, 0.50):F2} s, p95 {Percentile(tally.LastAttemptSeconds, 0.95):F2} s"));
        Console.WriteLine(string.Create(inv, $"throughput: {tally.Succeeded / loadSeconds:F2} generations/s over {loadSeconds:F0} s of load"));

        Console.WriteLine(string.Create(inv, $"{"role",-14} {"RSS after " + checkpoint,16} {"after " + settings.Generations,12} {"ratio",7}  target ≤ {1 + RssTarget:F2}  managed heap MB, gen-2 GCs, metric series (after {checkpoint} / {settings.Generations})"));
        bool rssPassed = true;
        for (int i = 0; i < processes.Count; i++)
        {
            double ratio = afterAll[i] / afterCheckpoint[i];
            bool ok = ratio <= 1 + RssTarget;
            rssPassed &= ok;
            Console.WriteLine(string.Create(inv, $"{processes[i].Name,-14} {afterCheckpoint[i],13:F1} MB {afterAll[i],9:F1} MB {ratio,7:F3}  {(ok ? "PASS" : "FAIL"),-12}  {seriesAtCheckpoint[i].ManagedMegabytes:F1} / {seriesAtEnd[i].ManagedMegabytes:F1}, {seriesAtCheckpoint[i].Gen2Collections} / {seriesAtEnd[i].Gen2Collections}, {seriesAtCheckpoint[i].Series} / {seriesAtEnd[i].Series}"));
        }

        bool passed = rssPassed && lost == 0 && tally.Corrupted == 0;
        Console.WriteLine(string.Create(inv, $"result: {(passed ? "PASS" : "FAIL")} (nothing lost: {(lost == 0 ? "yes" : "no")}, nothing corrupted: {(tally.Corrupted == 0 ? "yes" : "no")}, RSS within {RssTarget * 100:F0}%: {(rssPassed ? "yes" : "no")})"));
        return passed;
    }

    private static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
    }

    private static string Name(GuidanceMode mode) => mode == GuidanceMode.Cfg ? "CFG" : "CHATS";
}
