using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Chats.Core.Guidance;
using Chats.Inference.Engine;
using Chats.Inference.Local;
using Chats.Core.Sampling;
using Chats.Training.Shapes;

namespace Chats.Cli;

/// <summary><c>chats lab …</c>: the ShapesEval lab (../shared/shapes-benchmark/SPEC.md).</summary>
internal static class LabCommands
{
    public static Command Create()
    {
        var lab = new Command("lab", "ShapesEval lab: render scenes, write training sets, score generated images, make preference pairs, tabulate and plot scores, grid images.");
        lab.Subcommands.Add(Score());
        lab.Subcommands.Add(Render());
        lab.Subcommands.Add(Dataset());
        foreach (var command in LabEvaluationCommands.Create())
        {
            lab.Subcommands.Add(command);
        }

        lab.Subcommands.Add(Pairs());
        lab.Subcommands.Add(Table());
        lab.Subcommands.Add(Plot());
        lab.Subcommands.Add(Grid());
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
        var json = new Option<FileInfo?>("--json") { Description = "Also write the report as JSON (read by lab table and lab plot)." };
        command.Options.Add(prompts);
        command.Options.Add(images);
        command.Options.Add(seeds);
        command.Options.Add(json);
        command.SetAction(result =>
        {
            var entries = ShapesEvalSet.Load(result.GetValue(prompts)!.FullName);
            var report = ShapesLab.ScoreFolder(entries, result.GetValue(images)!.FullName, ParseSeeds(result.GetValue(seeds)!));
            Console.WriteLine(report.Format());
            if (result.GetValue(json) is { } file)
            {
                WriteFile(file, report.ToJson());
            }

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

    private static Command Pairs()
    {
        var command = new Command(
            "pairs",
            "Make preference pairs from base-model samples: K CFG images per grammar prompt, judged by the SPEC scorer; a correct and an incorrect image of the same prompt form a pair. Writes pairs.jsonl, images/ and summary.json.");
        var model = new Option<DirectoryInfo>("--model", "-m") { Description = "Base pipeline folder (diffusers layout with a unet).", Required = true };
        var prompts = new Option<int>("--prompts-count") { Description = "Prompts drawn from the grammar (categories uniform).", DefaultValueFactory = _ => 600 };
        var perPrompt = new Option<int>("--per-prompt") { Description = "Images per prompt (K), sampled in one batched request.", DefaultValueFactory = _ => 8 };
        var guidance = new Option<float>("--guidance") { Description = "CFG scale s, paper convention (diffusers w = s + 1).", DefaultValueFactory = _ => GuidanceParameters.DefaultScale };
        var steps = new Option<int>("--steps") { Description = "Sampling steps (the model's default scheduler).", DefaultValueFactory = _ => 20 };
        var seed = new Option<int>("--seed") { Description = "Seed of the prompts; prompt p's noise seed is seed·1000000 + p·K, image k adds k.", DefaultValueFactory = _ => 1 };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Output folder, new or empty (a pairs.jsonl there is never overwritten); it appears when the run completes.", Required = true };
        foreach (var option in new Option[] { model, prompts, perPrompt, guidance, steps, seed, output })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (result, ct) =>
        {
            var options = new ShapesPairsOptions
            {
                Output = result.GetValue(output)!.FullName,
                ModelPath = result.GetValue(model)!.FullName,
                Prompts = result.GetValue(prompts),
                ImagesPerPrompt = result.GetValue(perPrompt),
                GuidanceScale = result.GetValue(guidance),
                Steps = result.GetValue(steps),
                Seed = result.GetValue(seed),
            };

            // Refuse before loading the model: loading takes a while and the answers do not depend on it.
            if (options.Problems() is { Count: > 0 } problems)
            {
                problems.ToList().ForEach(p => Console.Error.WriteLine($"error: {p}"));
                return 1;
            }

            try
            {
                ShapesPreferencePairs.CheckOutput(options.Output);
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }

            var clock = Stopwatch.StartNew();
            ShapesPairsSummary summary;
            try
            {
                // The service's default of 4 images per request would refuse K = 8; here one request is one prompt's K images.
                var limits = new SamplingLimits { MaxImages = Math.Max(options.ImagesPerPrompt, new SamplingLimits().MaxImages), DefaultMode = GuidanceMode.Cfg };
                using var pipeline = LocalPipeline.Open(options.ModelPath, limits);
                Console.Error.WriteLine(FormattableString.Invariant(
                    $"sampling {options.Prompts} prompts x {options.ImagesPerPrompt} images from {options.ModelPath} (CFG s {options.GuidanceScale}, {options.Steps} steps, seed {options.Seed})"));
                bool drawn = false;
                var progress = new InlinePairsProgress(p =>
                {
                    drawn = true;
                    var eta = TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / p.PromptsDone * (p.TotalPrompts - p.PromptsDone));
                    Console.Error.Write(FormattableString.Invariant($"\rprompt {p.PromptsDone}/{p.TotalPrompts}  pairs {p.Pairs}  ETA {(int)eta.TotalHours}:{eta:mm\\:ss}  "));
                });
                try
                {
                    summary = await ShapesPreferencePairs.GenerateAsync(pipeline, options, progress, ct);
                }
                finally
                {
                    if (drawn)
                    {
                        Console.Error.WriteLine();
                    }
                }
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"stopped; nothing was written to {options.Output} (the unfinished {options.Output}{ShapesPreferencePairs.PartialSuffix} is replaced by the next run)");
                return 130;
            }
            catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException)
            {
                // Bad input (model folder, settings the pipeline refuses, an existing data set): one line, no stack trace.
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }

            Console.Write(FormatCounts(summary));
            Console.WriteLine(FormattableString.Invariant($"wrote {summary.Total.Pairs} pairs to {options.Output} in {clock.Elapsed.TotalMinutes:F1} min"));
            return 0;
        });
        return command;
    }

    private static string FormatCounts(ShapesPairsSummary summary)
    {
        var text = new System.Text.StringBuilder();
        void Row(string name, string prompts, string images, string correct, string percent, string both, string pairs) =>
            text.Append(CultureInfo.InvariantCulture, $"{name,-14} {prompts,8} {images,8} {correct,8} {percent,9} {both,10} {pairs,8}\n");
        void Counts(string name, ShapesPairsCounts c) => Row(
            name,
            c.Prompts.ToString(CultureInfo.InvariantCulture),
            c.Images.ToString(CultureInfo.InvariantCulture),
            c.CorrectImages.ToString(CultureInfo.InvariantCulture),
            c.Images == 0 ? "-" : (100.0 * c.CorrectImages / c.Images).ToString("F1", CultureInfo.InvariantCulture),
            c.PromptsWithBothOutcomes.ToString(CultureInfo.InvariantCulture),
            c.Pairs.ToString(CultureInfo.InvariantCulture));

        Row("category", "prompts", "images", "correct", "correct%", "both", "pairs");
        foreach (var (name, counts) in summary.Categories)
        {
            Counts(name, counts);
        }

        Counts("total", summary.Total);
        return text.ToString();
    }

    private static Command Table()
    {
        var command = new Command("table", "Print a Markdown results table (method, overall, the six categories) of lab score --json reports.");
        var results = NamedOption("--result", "A row: NAME=REPORT.json (repeat; rows keep this order).");
        var baseline = new Option<string?>("--baseline") { Description = "Add a \"Δ overall\" column against the row of this NAME." };
        var output = new Option<FileInfo?>("--out", "-o") { Description = "Write the table to this file instead of stdout." };
        command.Options.Add(results);
        command.Options.Add(baseline);
        command.Options.Add(output);
        command.SetAction(result => Report(() =>
        {
            var rows = ParseNamed(result.GetValue(results)!, "--result").Select(r => new ShapesResult(r.Name, ShapesReport.ReadJsonFile(r.Value))).ToList();
            string table = ShapesResultsTable.ToMarkdown(rows, result.GetValue(baseline));
            if (result.GetValue(output) is { } file)
            {
                WriteFile(file, table);
            }
            else
            {
                Console.Write(table);
            }
        }));
        return command;
    }

    private static Command Plot()
    {
        var command = new Command("plot", "Draw a PNG line chart of the overall and per-category scores of lab score --json reports against a numeric parameter.");
        var results = NamedOption("--result", "A point: X=REPORT.json, X a number (repeat; sorted by X).");
        var xLabel = new Option<string>("--x-label") { Description = "The x axis title.", DefaultValueFactory = _ => "alpha" };
        var references = new Option<string[]>("--reference") { Description = "A dashed horizontal line: NAME=PERCENT (repeat).", Arity = ArgumentArity.ZeroOrMore };
        var width = new Option<int>("--width") { Description = "Image width in pixels.", DefaultValueFactory = _ => ShapesPlot.DefaultWidth };
        var height = new Option<int>("--height") { Description = "Image height in pixels.", DefaultValueFactory = _ => ShapesPlot.DefaultHeight };
        var output = new Option<FileInfo>("--out", "-o") { Description = "The PNG file to write.", Required = true };
        AddOptions(command, results, xLabel, references, width, height, output);
        command.SetAction(result => Report(() =>
        {
            var points = ParseNamed(result.GetValue(results)!, "--result")
                .Select(r => new ShapesPlotPoint(ParseNumber(r.Name, "--result"), ShapesReport.ReadJsonFile(r.Value))).ToList();
            var lines = ParseNamed(result.GetValue(references) ?? [], "--reference")
                .Select(r => new ShapesPlotReference(r.Name, ParseNumber(r.Value, "--reference"))).ToList();
            byte[] png = ShapesPlot.RenderPng(points, result.GetValue(xLabel)!, lines, result.GetValue(width), result.GetValue(height));
            WriteFile(result.GetValue(output)!, png);
            Console.WriteLine($"wrote {result.GetValue(output)!.FullName}");
        }));
        return command;
    }

    private static Command Grid()
    {
        var command = new Command("grid", "Draw a PNG image grid: rows = prompts (text at the left), columns = image folders (name on top).");
        var prompts = PromptsOption();
        var ids = new Option<string>("--ids") { Description = "Comma-separated prompt ids, one row each, in this order.", Required = true };
        var seed = new Option<int>("--seed") { Description = "Which {id}_s{seed}.png to show.", DefaultValueFactory = _ => 0 };
        var columns = NamedOption("--column", "A column: NAME=FOLDER of {id}_s{seed}.png images (repeat; columns keep this order).");
        var scale = new Option<int>("--scale") { Description = "Nearest-neighbour upscaling of the 64x64 images.", DefaultValueFactory = _ => 3 };
        var labelWidth = new Option<int>("--label-width") { Description = "Width of the prompt-text column in pixels.", DefaultValueFactory = _ => new ShapesGridLayout().LabelWidth };
        var output = new Option<FileInfo>("--out", "-o") { Description = "The PNG file to write.", Required = true };
        AddOptions(command, prompts, ids, seed, columns, scale, labelWidth, output);
        command.SetAction(result => Report(() =>
        {
            var entries = ShapesEvalSet.Load(result.GetValue(prompts)!.FullName);
            var rows = ShapesImageGrid.SelectRows(
                entries, result.GetValue(ids)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            var folders = ParseNamed(result.GetValue(columns)!, "--column").Select(c => new ShapesGridColumn(c.Name, c.Value)).ToList();
            var layout = new ShapesGridLayout { Scale = result.GetValue(scale), LabelWidth = result.GetValue(labelWidth) };
            byte[] png = ShapesImageGrid.RenderPng(rows, folders, result.GetValue(seed), layout);
            WriteFile(result.GetValue(output)!, png);
            Console.WriteLine($"wrote {result.GetValue(output)!.FullName} ({rows.Count} rows, {folders.Count} columns)");
        }));
        return command;
    }

    private static void AddOptions(Command command, params Option[] options)
    {
        foreach (var option in options)
        {
            command.Options.Add(option);
        }
    }

    private static Option<string[]> NamedOption(string name, string description) =>
        new(name) { Description = description, Required = true, Arity = ArgumentArity.OneOrMore };

    /// <summary>Splits NAME=VALUE arguments at the first '=' (so a value may be a path containing '=').</summary>
    private static List<(string Name, string Value)> ParseNamed(IEnumerable<string> arguments, string option)
    {
        var parsed = new List<(string Name, string Value)>();
        foreach (string argument in arguments)
        {
            int split = argument.IndexOf('=', StringComparison.Ordinal);
            if (split <= 0 || split == argument.Length - 1)
            {
                throw new ArgumentException($"{option} '{argument}': expected NAME=VALUE");
            }

            parsed.Add((argument[..split], argument[(split + 1)..]));
        }

        return parsed;
    }

    private static double ParseNumber(string text, string option) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? value
            : throw new ArgumentException($"{option}: '{text}' is not a number");

    private static void WriteFile(FileInfo file, string text) => WriteFile(file, System.Text.Encoding.UTF8.GetBytes(text));

    private static void WriteFile(FileInfo file, byte[] bytes)
    {
        file.Directory?.Create();
        File.WriteAllBytes(file.FullName, bytes);
    }

    /// <summary>Runs a report verb; bad input (a missing or malformed file, a bad argument) is one error line, no stack trace.</summary>
    private static int Report(Action action)
    {
        try
        {
            action();
            return 0;
        }
        catch (Exception e) when (e is IOException or FormatException or ArgumentException or InvalidDataException or InvalidOperationException)
        {
            // ArgumentException appends " (Parameter 'name')": a library parameter name means nothing on the command line.
            string message = e is ArgumentException { ParamName: { } name } && e.Message.EndsWith($" (Parameter '{name}')", StringComparison.Ordinal)
                ? e.Message[..^$" (Parameter '{name}')".Length]
                : e.Message;
            Console.Error.WriteLine($"error: {message}");
            return 1;
        }
    }

    private static List<int> ParseSeeds(string seeds) =>
        [.. seeds.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
}
