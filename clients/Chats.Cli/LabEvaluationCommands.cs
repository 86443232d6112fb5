using System.CommandLine;
using System.Globalization;
using Chats.Core.Guidance;
using Chats.Inference.Engine;
using Chats.Inference.Local;
using Chats.Training.Shapes;

namespace Chats.Cli;

/// <summary>
/// <c>chats lab eval | select-guidance | validation-prompts</c>: generate a prompt set with a model in-process and score
/// it, and the lab's guidance-scale selection rule (<see cref="ShapesGuidanceSelection"/>).
/// </summary>
internal static class LabEvaluationCommands
{
    public static IEnumerable<Command> Create() => [Eval(), SelectGuidance(), ValidationPrompts(), Reconstruct()];

    private sealed class SamplingOptions
    {
        public Option<string> Model { get; } = new("--model", "-m") { Description = "Pipeline folder (diffusers layout).", Required = true };

        public Option<FileInfo> Prompts { get; } = new("--prompts") { Description = "Prompt set JSONL ({id, category, prompt}).", Required = true };

        public Option<string> Mode { get; } = new("--mode") { Description = "cfg, chats or chats-full.", DefaultValueFactory = _ => "cfg" };

        public Option<float?> Alpha { get; } = new("--alpha") { Description = "α of the CHATS modes (default 0.5)." };

        public Option<int> Steps { get; } = new("--steps") { Description = "Denoising steps.", DefaultValueFactory = _ => 20 };

        public Option<int> Parallel { get; } = new("--parallel") { Description = "Requests in flight.", DefaultValueFactory = _ => 2 };

        public void AddTo(Command command)
        {
            Mode.AcceptOnlyFromAmong("cfg", "chats", "chats-full");
            foreach (var option in new Option[] { Model, Prompts, Mode, Alpha, Steps, Parallel })
            {
                command.Options.Add(option);
            }
        }

        public ShapesSamplingSettings Settings(ParseResult result, float guidance) => new(
            result.GetValue(Mode) switch
            {
                "chats" => GuidanceMode.Chats,
                "chats-full" => GuidanceMode.ChatsFull,
                _ => GuidanceMode.Cfg,
            },
            guidance,
            result.GetValue(Alpha),
            result.GetValue(Steps));
    }

    private static Command Eval()
    {
        var command = new Command("eval", "Generate {id}_s{seed}.png for a prompt set (SPEC §4 seeding, in-process, existing images kept) and score them.");
        var sampling = new SamplingOptions();
        sampling.AddTo(command);
        var guidance = new Option<float>("--guidance") { Description = "Guidance scale s (diffusers w = s + 1).", DefaultValueFactory = _ => GuidanceParameters.DefaultScale };
        var seeds = new Option<string>("--seeds") { Description = "Comma-separated seeds.", DefaultValueFactory = _ => "0,1,2,3" };
        var images = new Option<DirectoryInfo>("--images") { Description = "Image folder.", Required = true };
        command.Options.Add(guidance);
        command.Options.Add(seeds);
        command.Options.Add(images);
        command.SetAction(async (result, ct) =>
        {
            var entries = ShapesEvalSet.Load(result.GetValue(sampling.Prompts)!.FullName);
            var seedList = ParseSeeds(result.GetValue(seeds)!);
            var settings = sampling.Settings(result, result.GetValue(guidance));
            Console.Error.WriteLine($"{result.GetValue(sampling.Model)}: {settings}; {entries.Count} prompts x {seedList.Count} seeds");
            using var pipeline = LocalPipeline.Open(result.GetValue(sampling.Model)!);
            string dir = result.GetValue(images)!.FullName;
            int total = entries.Count * seedList.Count;
            var progress = new Progress<int>(done => Console.Error.Write($"\r{done}/{total} images"));
            await ShapesGeneration.GenerateAsync(pipeline, entries, seedList, settings, dir, result.GetValue(sampling.Parallel), progress, ct);
            Console.Error.WriteLine();
            Console.WriteLine(ShapesLab.ScoreFolder(entries, dir, seedList).Format());
            return 0;
        });
        return command;
    }

    private static Command SelectGuidance()
    {
        var command = new Command(
            "select-guidance",
            "The lab's guidance rule: score a fixed grid of s on validation prompts and pick the best overall (ties to the smaller s).");
        var sampling = new SamplingOptions();
        sampling.AddTo(command);
        var grid = new Option<string>("--grid") { Description = "Comma-separated guidance scales.", DefaultValueFactory = _ => string.Join(',', ShapesGuidanceSelection.DefaultGrid.Select(s => s.ToString(CultureInfo.InvariantCulture))) };
        var seeds = new Option<string>("--seeds") { Description = "Comma-separated validation seeds.", DefaultValueFactory = _ => string.Join(',', ShapesGuidanceSelection.ValidationSeeds) };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Folder for the images (one sub-folder per scale).", Required = true };
        command.Options.Add(grid);
        command.Options.Add(seeds);
        command.Options.Add(output);
        command.SetAction(async (result, ct) =>
        {
            var entries = ShapesEvalSet.Load(result.GetValue(sampling.Prompts)!.FullName);
            var scales = result.GetValue(grid)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToList();
            var settings = sampling.Settings(result, 0);
            using var pipeline = LocalPipeline.Open(result.GetValue(sampling.Model)!);
            var candidates = await ShapesGuidanceSelection.EvaluateGridAsync(
                pipeline, entries, ParseSeeds(result.GetValue(seeds)!), settings, scales, result.GetValue(output)!.FullName, Console.Error.WriteLine, ct);
            var chosen = ShapesGuidanceSelection.Choose(candidates);
            foreach (var c in candidates)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"s {c.GuidanceScale,5}: overall {c.Report.OverallPercent,5:F1}%{(c == chosen ? "  <- chosen" : string.Empty)}"));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"chosen guidance s = {chosen.GuidanceScale}"));
            return 0;
        });
        return command;
    }

    private static Command ValidationPrompts()
    {
        var command = new Command("validation-prompts", "Write a validation prompt set (JSONL like prompts-public.jsonl) for the guidance rule.");
        var perCategory = new Option<int>("--per-category") { Description = "Prompts per category.", DefaultValueFactory = _ => 8 };
        var seed = new Option<int>("--seed") { Description = "Seed of the prompt draws.", DefaultValueFactory = _ => 7 };
        var output = new Option<FileInfo>("--out", "-o") { Description = "Output JSONL file.", Required = true };
        command.Options.Add(perCategory);
        command.Options.Add(seed);
        command.Options.Add(output);
        command.SetAction(result =>
        {
            ShapesGuidanceSelection.WriteValidationPrompts(result.GetValue(output)!.FullName, result.GetValue(perCategory), result.GetValue(seed));
            Console.WriteLine($"wrote {result.GetValue(output)!.FullName}");
            return 0;
        });
        return command;
    }

    private static Command Reconstruct()
    {
        var command = new Command("reconstruct", "Render each prompt's scene, pass it through a pipeline's VAE and score the reconstructions: the ceiling of a model in that latent space.");
        var model = new Option<DirectoryInfo>("--model", "-m") { Description = "Pipeline folder (its vae is used).", Required = true };
        var prompts = new Option<FileInfo>("--prompts") { Description = "Prompt set JSONL.", Required = true };
        var seeds = new Option<string>("--seeds") { Description = "Comma-separated seeds.", DefaultValueFactory = _ => "0,1,2,3" };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Image folder.", Required = true };
        foreach (var option in new Option[] { model, prompts, seeds, output })
        {
            command.Options.Add(option);
        }

        command.SetAction(result =>
        {
            var entries = ShapesEvalSet.Load(result.GetValue(prompts)!.FullName);
            var seedList = ParseSeeds(result.GetValue(seeds)!);
            string dir = result.GetValue(output)!.FullName;
            ShapesLab.ReconstructEvalSet(entries, seedList, Path.Combine(result.GetValue(model)!.FullName, "vae"), dir);
            Console.WriteLine(ShapesLab.ScoreFolder(entries, dir, seedList).Format());
            return 0;
        });
        return command;
    }

    private static List<int> ParseSeeds(string text) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
}
