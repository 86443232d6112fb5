using System.CommandLine;

namespace Chats.Cli.Commands;

/// <summary><c>chats bench …</c>: commands that print figures (not tests).</summary>
internal static class BenchCommands
{
    public static Command Create() => new("bench", "Benchmarks (commands that print figures; not tests).")
    {
        Memory(),
        Serve(),
        Chaos(),
        Fuzz(),
        Load(),
    };

    private static Command Chaos()
    {
        var model = CommonOptions.DefaultedModel();
        var generations = new Option<int>("--generations") { Description = "Generations to run at least (more until the kills are done).", DefaultValueFactory = _ => 120 };
        var concurrency = new Option<int>("--concurrency") { Description = "Generations in flight at once.", DefaultValueFactory = _ => 4 };
        var kills = new Option<int>("--kills") { Description = "kill -9 of denoiser replicas to reach at least.", DefaultValueFactory = _ => 20 };
        var steps = new Option<int>("--steps") { Description = "Denoising steps per generation.", DefaultValueFactory = _ => 20 };
        var batching = new Option<bool>("--batching") { Description = "Step batching across sessions in the denoisers (off by default: then every PNG must be byte-identical to its reference)." };
        var redis = new Option<bool>("--redis") { Description = "Run a Redis embedding cache too, and kill and restart it.", DefaultValueFactory = _ => true };
        var seed = new Option<int>("--seed") { Description = "Seed of the fault schedule.", DefaultValueFactory = _ => 1 };
        var command = new Command("chaos", "Every role as its own process, two replicas of each but the sampler; generations at a fixed concurrency while denoiser replicas are killed (-9) and restarted, replicas get SIGTERM (drain, restart) and Redis is killed; prints generations attempted / succeeded / failed, byte-identity against undisturbed references, failovers and the latency cost of a fault.")
        {
            model, generations, concurrency, kills, steps, batching, redis, seed,
        };
        command.SetAction(async (result, ct) => await Cli.Chaos.ChaosBenchmark.RunAsync(
            new Cli.Chaos.ChaosSettings(
                DefaultModel.Resolve(result.GetValue(model)), result.GetValue(generations), result.GetValue(concurrency), result.GetValue(kills),
                result.GetValue(steps), result.GetValue(batching), result.GetValue(redis), result.GetValue(seed)),
            Console.Out,
            ct));
        return command;
    }

    private static Command Fuzz()
    {
        var model = CommonOptions.DefaultedModel();
        var standard = CommonOptions.StandardModel();
        var cases = new Option<int>("--cases") { Description = "Cases to generate and send (indices 0 … N−1).", DefaultValueFactory = _ => 10_000 };
        var seed = new Option<int>("--seed") { Description = "Generator seed: the same seed and index give the same case.", DefaultValueFactory = _ => 1 };
        var concurrency = new Option<int>("--concurrency") { Description = "Cases in flight at once.", DefaultValueFactory = _ => 4 };
        var only = new Option<int?>("--case") { Description = "Replay only the case with this index (of --seed)." };
        var command = new Command("fuzz", "Seeded malformed requests (bad bytes, fields, shapes, dtypes, NaN/Inf, huge dimensions, out-of-order and idle streams) against Generate (sampler and gateway), Denoise, Encode and Decode of the in-process system; prints cases per target and status, every case with an undocumented status (with its index), health, memory and whether a normal generation still gives the same bytes.")
        {
            model, standard, cases, seed, concurrency, only,
        };
        command.SetAction(async (result, ct) => await FuzzBenchmark.RunAsync(
            DefaultModel.Select(result.GetValue(model), result.GetValue(standard)), result.GetValue(cases), result.GetValue(seed), result.GetValue(concurrency), result.GetValue(only), ct));
        return command;
    }

    private static Command Load()
    {
        var model = CommonOptions.DefaultedModel();
        var concurrency = new Option<int>("--concurrency") { Description = "Generations sent at once.", DefaultValueFactory = _ => 64 };
        var generations = new Option<int>("--generations") { Description = "Generations in all.", DefaultValueFactory = _ => 1000 };
        var checkpoint = new Option<int>("--checkpoint") { Description = "Read each role's RSS after this many generations (and after all).", DefaultValueFactory = _ => 100 };
        var distinct = new Option<int>("--distinct") { Description = "Distinct requests (prompt, seed) the generations cycle through; each is generated alone first as the reference.", DefaultValueFactory = _ => 64 };
        var steps = CommonOptions.SamplingSteps();
        var command = new Command("load", "Every role as its own process behind a gateway process; many generations at a fixed concurrency through the gateway, refusals retried after their hint: counts by status, images against references generated alone, p50/p95, each role's RSS after the checkpoint and after all.")
        {
            model, concurrency, generations, checkpoint, distinct, steps,
        };
        command.SetAction(async (result, ct) => await LoadBenchmark.RunAsync(
            new LoadBenchmark.Settings(DefaultModel.Resolve(result.GetValue(model)), result.GetValue(concurrency), result.GetValue(generations),
                result.GetValue(checkpoint), result.GetValue(steps), result.GetValue(distinct)), ct));
        return command;
    }

    private static Command Serve()
    {
        var model = CommonOptions.DefaultedModel();
        var standard = CommonOptions.StandardModel();
        var concurrency = new Option<string>("--concurrency") { Description = "Comma-separated concurrent generation counts.", DefaultValueFactory = _ => "1,2,4,8,16,32" };
        var perClient = new Option<int>("--per-client") { Description = "Generations each concurrent client sends per run.", DefaultValueFactory = _ => 2 };
        var repeats = new Option<int>("--repeats") { Description = "Runs per point; the median throughput is printed.", DefaultValueFactory = _ => 3 };
        var steps = CommonOptions.SamplingSteps();
        var markdown = new Option<FileInfo?>("--markdown") { Description = "Also write the report as Markdown to this file (e.g. docs/benchmarks.md)." };
        var plot = new Option<FileInfo?>("--plot") { Description = "Also write the throughput-vs-concurrency plot as a PNG to this file (e.g. docs/benchmarks-throughput.png)." };
        var maxBatch = new Option<int>("--max-batch") { Description = "Denoiser:MaxBatch of every denoiser in the sweep.", DefaultValueFactory = _ => new Inference.Engine.DenoiserEngineOptions().MaxBatch };
        var queueDelay = new Option<int>("--max-queue-delay") { Description = "Denoiser:MaxQueueDelay (µs) of every denoiser in the sweep.", DefaultValueFactory = _ => new Denoiser.DenoiserOptions().MaxQueueDelay };
        var threads = new Option<int?>("--denoiser-threads") { Description = "Denoiser:Threads of every denoiser in the sweep; unset keeps the local system's rule." };
        var computeModel = new Option<string?>("--compute-model") { Description = "Pipeline for the compute-bound workload; default: the SD1.5-shaped random-weight pipeline, created under .chats/models." };
        var computeConcurrency = new Option<string>("--compute-concurrency") { Description = "Comma-separated concurrent generation counts for the compute-bound workload.", DefaultValueFactory = _ => "1,2,4,8" };
        var computeSteps = new Option<int>("--compute-steps") { Description = "Denoising steps per generation of the compute-bound workload.", DefaultValueFactory = _ => 10 };
        var sections = new Option<string>("--sections") { Description = $"Comma-separated parts to run: {string.Join(", ", ServeBenchmark.AllSections)}.", DefaultValueFactory = _ => string.Join(',', ServeBenchmark.AllSections) };
        var command = new Command("serve", "Throughput and latency through the gateway at rising concurrency, step batching on vs off, CHATS and CFG, on the lab models and a compute-bound SD1.5-shaped pipeline; the per-step breakdown; the thread rule and MaxBatch measured; the services' overhead over in-process at concurrency 1; reproducibility under load.")
        {
            model, standard, concurrency, perClient, repeats, steps, markdown, plot, maxBatch, queueDelay, threads, computeModel, computeConcurrency, computeSteps, sections,
        };
        command.SetAction(async (result, ct) =>
        {
            var chosen = CommandLineValues.Split(result.GetValue(sections)!).ToHashSet(StringComparer.Ordinal);
            var unknown = chosen.Except(ServeBenchmark.AllSections).ToList();
            if (unknown.Count > 0)
            {
                Console.Error.WriteLine($"--sections: unknown {string.Join(", ", unknown)}; use {string.Join(", ", ServeBenchmark.AllSections)}");
                return 2;
            }

            var models = DefaultModel.Select(result.GetValue(model), result.GetValue(standard));
            var settings = new ServeBenchmark.Settings(
                models.Model, models.StandardModel, CommandLineValues.ParseList<int>(result.GetValue(concurrency)!),
                result.GetValue(perClient), result.GetValue(repeats), result.GetValue(steps), result.GetValue(markdown), result.GetValue(plot),
                result.GetValue(maxBatch), result.GetValue(threads), result.GetValue(queueDelay), result.GetValue(computeModel),
                CommandLineValues.ParseList<int>(result.GetValue(computeConcurrency)!), result.GetValue(computeSteps), chosen);
            return await ServeBenchmark.RunAsync(settings, ct);
        });
        return command;
    }

    private static Command Memory()
    {
        var model = CommonOptions.DefaultedModel();
        var repeats = new Option<int>("--repeats") { Description = "Start each role this many times; the median is printed.", DefaultValueFactory = _ => 3 };
        var command = new Command("memory", "Resident memory of each role process after loading a pipeline folder, next to the size of its own weights.")
        {
            model, repeats,
        };
        command.SetAction(async (result, ct) => await MemoryBenchmark.RunAsync(DefaultModel.Resolve(result.GetValue(model)), result.GetValue(repeats), ct));
        return command;
    }
}
