using System.CommandLine;

namespace Chats.Cli.Commands;

/// <summary><c>chats bench …</c>: commands that print figures (not tests).</summary>
internal static class BenchCommands
{
    public static Command Create() => new("bench", "Benchmarks (commands that print figures; not tests).")
    {
        Memory(),
        Serve(),
    };

    private static Command Serve()
    {
        var model = CommonOptions.DefaultedModel();
        var standard = CommonOptions.StandardModel();
        var concurrency = new Option<string>("--concurrency") { Description = "Comma-separated concurrent generation counts.", DefaultValueFactory = _ => "1,2,4,8,16,32" };
        var perClient = new Option<int>("--per-client") { Description = "Generations each concurrent client sends per run.", DefaultValueFactory = _ => 2 };
        var repeats = new Option<int>("--repeats") { Description = "Runs per point; the median throughput is printed.", DefaultValueFactory = _ => 3 };
        var steps = CommonOptions.SamplingSteps();
        var markdown = new Option<FileInfo?>("--markdown") { Description = "Also write the table as Markdown to this file (e.g. docs/benchmarks.md)." };
        var command = new Command("serve", "Throughput and latency through the gateway at rising concurrency, step batching on vs off, CHATS and CFG; and the services' overhead over in-process at concurrency 1.")
        {
            model, standard, concurrency, perClient, repeats, steps, markdown,
        };
        command.SetAction(async (result, ct) =>
        {
            var models = DefaultModel.Select(result.GetValue(model), result.GetValue(standard));
            var settings = new ServeBenchmark.Settings(
                models.Model, models.StandardModel, CommandLineValues.ParseList<int>(result.GetValue(concurrency)!),
                result.GetValue(perClient), result.GetValue(repeats), result.GetValue(steps), result.GetValue(markdown));
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
