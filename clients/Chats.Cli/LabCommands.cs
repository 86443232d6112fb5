using System.CommandLine;
using System.Globalization;
using Chats.Training.Shapes;

namespace Chats.Cli;

/// <summary><c>chats lab …</c>: the ShapesEval lab (../shared/shapes-benchmark/SPEC.md).</summary>
internal static class LabCommands
{
    public static Command Create()
    {
        var lab = new Command("lab", "ShapesEval lab: render scenes, write training sets, score generated images.");
        lab.Subcommands.Add(Score());
        lab.Subcommands.Add(Render());
        lab.Subcommands.Add(Dataset());
        foreach (var command in LabEvaluationCommands.Create())
        {
            lab.Subcommands.Add(command);
        }
        return lab;
    }

    private static Option<FileInfo> PromptsOption() => new("--prompts") { Description = "Evaluation prompts JSONL ({id, category, prompt}).", Required = true };

    private static Option<string> SeedsOption() => new("--seeds") { Description = "Comma-separated seeds.", DefaultValueFactory = _ => "0,1,2,3" };

    private static Command Score()
    {
        var command = new Command("score", "Judge {id}_s{seed}.png images with the SPEC scorer and print per-category and overall accuracy.");
        var prompts = PromptsOption();
        var seeds = SeedsOption();
        var images = new Option<DirectoryInfo>("--images") { Description = "Folder of generated images.", Required = true };
        command.Options.Add(prompts);
        command.Options.Add(images);
        command.Options.Add(seeds);
        command.SetAction(result =>
        {
            var entries = ShapesEvalSet.Load(result.GetValue(prompts)!.FullName);
            var report = ShapesLab.ScoreFolder(entries, result.GetValue(images)!.FullName, ParseSeeds(result.GetValue(seeds)!));
            Console.WriteLine(report.Format());
            return 0;
        });
        return command;
    }

    private static Command Render()
    {
        var command = new Command("render", "Render the ground-truth scene of every prompt and seed as {id}_s{seed}.png (the scorer's upper bound).");
        var prompts = PromptsOption();
        var seeds = SeedsOption();
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Output folder.", Required = true };
        command.Options.Add(prompts);
        command.Options.Add(seeds);
        command.Options.Add(output);
        command.SetAction(result =>
        {
            var entries = ShapesEvalSet.Load(result.GetValue(prompts)!.FullName);
            ShapesLab.RenderEvalSet(entries, ParseSeeds(result.GetValue(seeds)!), result.GetValue(output)!.FullName);
            Console.WriteLine($"wrote {entries.Count} scenes per seed to {result.GetValue(output)!.FullName}");
            return 0;
        });
        return command;
    }

    private static Command Dataset()
    {
        var command = new Command("dataset", "Write a training set of random scenes: images/*.png and train.jsonl ({image, prompt}).");
        var count = new Option<int>("--count") { Description = "Scenes to render.", DefaultValueFactory = _ => 60_000 };
        var seed = new Option<int>("--seed") { Description = "Seed of prompts and placement.", DefaultValueFactory = _ => 0 };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Output folder.", Required = true };
        command.Options.Add(count);
        command.Options.Add(seed);
        command.Options.Add(output);
        command.SetAction(result =>
        {
            ShapesLab.WriteTrainingSet(result.GetValue(count), result.GetValue(seed), result.GetValue(output)!.FullName);
            Console.WriteLine($"wrote {result.GetValue(count)} scenes to {result.GetValue(output)!.FullName}");
            return 0;
        });
        return command;
    }

    private static List<int> ParseSeeds(string seeds) =>
        [.. seeds.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
}
