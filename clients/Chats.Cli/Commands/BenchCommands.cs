using System.CommandLine;

namespace Chats.Cli.Commands;

/// <summary><c>chats bench …</c>: commands that print figures (not tests).</summary>
internal static class BenchCommands
{
    public static Command Create() => new("bench", "Benchmarks (commands that print figures; not tests).")
    {
        Memory(),
    };

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
