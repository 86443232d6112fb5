using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Chats.Core.Guidance;
using Chats.Core.Sampling;
using Chats.Inference.Engine;
using Chats.Inference.Local;
using Chats.Training.Shapes;

namespace Chats.Cli.Commands;

/// <summary>
/// <c>chats lab …</c>: the ShapesEval lab (../shared/shapes-benchmark/SPEC.md): render and score, generate a prompt set
/// in-process and score it, the guidance-scale rule (<see cref="ShapesGuidanceSelection"/>), preference pairs, and the
/// report verbs (table, plot, grid).
/// </summary>
internal static class LabCommands
{
    public static Command Create() => new("lab", "ShapesEval lab: render scenes, write training sets, score generated images, make preference pairs, tabulate and plot scores, grid images.")
    {
        Score(), Render(), Dataset(), Eval(), SelectGuidance(), ValidationPrompts(), Reconstruct(), Pairs(), Table(), Compare(), Plot(), Grid(),
    };

    private static Command Score()
    {
        var prompts = CommonOptions.PromptSet();
        var images = CommonOptions.ImageFolder();
        var seeds = CommonOptions.Seeds();
        var json = new Option<FileInfo?>("--json") { Description = "Also write the report as JSON, with every prompt's per-seed verdicts (read by lab table, lab compare and lab plot)." };
        var command = new Command("score", "Judge {id}_s{seed}.png images with the SPEC scorer and print per-category and overall accuracy.")
        {
            prompts, images, seeds, json,
        };
        command.SetAction(result =>
        {
            var entries = ShapesEvalSet.Load(result.GetValue(prompts)!.FullName);
            var report = ShapesLab.ScoreFolder(entries, result.GetValue(images)!.FullName, CommandLineValues.ParseList<int>(result.GetValue(seeds)!));
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
        var prompts = CommonOptions.PromptSet();
        var seeds = CommonOptions.Seeds();
        var output = CommonOptions.Out<DirectoryInfo>("Output folder.");
        var command = new Command("render", "Render the ground-truth scene of every prompt and seed as {id}_s{seed}.png (the scorer's upper bound).")
        {
            prompts, seeds, output,
        };
        command.SetAction(result =>
        {
            var entries = ShapesEvalSet.Load(result.GetValue(prompts)!.FullName);
            ShapesLab.RenderEvalSet(entries, CommandLineValues.ParseList<int>(result.GetValue(seeds)!), result.GetValue(output)!.FullName);
            Console.WriteLine($"wrote {entries.Count} scenes per seed to {result.GetValue(output)!.FullName}");
            return 0;
        });
        return command;
    }

    private static Command Dataset()
    {
        var count = new Option<int>("--count") { Description = "Scenes to render.", DefaultValueFactory = _ => 60_000 };
        var seed = new Option<int>("--seed") { Description = "Seed of prompts and placement.", DefaultValueFactory = _ => 0 };
        var output = CommonOptions.Out<DirectoryInfo>("Output folder.");
        var command = new Command("dataset", "Write a training set of random scenes: images/*.png and train.jsonl ({image, prompt}).")
        {
            count, seed, output,
        };
        command.SetAction(result =>
        {
            ShapesLab.WriteTrainingSet(result.GetValue(count), result.GetValue(seed), result.GetValue(output)!.FullName);
            Console.WriteLine($"wrote {result.GetValue(count)} scenes to {result.GetValue(output)!.FullName}");
            return 0;
        });
        return command;
    }

    private static Command Eval()
    {
        var command = new Command("eval", "Generate {id}_s{seed}.png for a prompt set (SPEC §4 seeding, in-process, existing images kept) and score them.");
        var sampling = new LabSamplingOptions();
        sampling.AddTo(command);
        var guidance = CommonOptions.GuidanceScale();
        var seeds = CommonOptions.Seeds();
        var images = CommonOptions.ImageFolder();
        command.Add(guidance);
        command.Add(seeds);
        command.Add(images);
        command.SetAction(async (result, ct) =>
        {
            var entries = ShapesEvalSet.Load(result.GetValue(sampling.Prompts)!.FullName);
            var seedList = CommandLineValues.ParseList<int>(result.GetValue(seeds)!);
            var settings = sampling.Settings(result, result.GetValue(guidance));
            var model = result.GetValue(sampling.Model)!;
            Console.Error.WriteLine($"{model}: {settings}; {entries.Count} prompts x {seedList.Count} seeds");
            using var pipeline = LocalPipeline.Open(model.FullName);
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
        var sampling = new LabSamplingOptions();
        sampling.AddTo(command);
        var grid = new Option<string>("--grid")
        {
            Description = "Comma-separated guidance scales.",
            DefaultValueFactory = _ => string.Join(',', ShapesGuidanceSelection.DefaultGrid.Select(s => s.ToString(CultureInfo.InvariantCulture))),
        };
        var seeds = CommonOptions.Seeds(string.Join(',', ShapesGuidanceSelection.ValidationSeeds), "Comma-separated validation seeds.");
        var output = CommonOptions.Out<DirectoryInfo>("Folder for the images (one sub-folder per scale).");
        command.Add(grid);
        command.Add(seeds);
        command.Add(output);
        command.SetAction(async (result, ct) =>
        {
            var entries = ShapesEvalSet.Load(result.GetValue(sampling.Prompts)!.FullName);
            var scales = CommandLineValues.ParseList<float>(result.GetValue(grid)!);
            var settings = sampling.Settings(result, 0);
            using var pipeline = LocalPipeline.Open(result.GetValue(sampling.Model)!.FullName);
            var candidates = await ShapesGuidanceSelection.EvaluateGridAsync(
                pipeline, entries, CommandLineValues.ParseList<int>(result.GetValue(seeds)!), settings, scales, result.GetValue(output)!.FullName, Console.Error.WriteLine, ct);
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
        var perCategory = new Option<int>("--per-category") { Description = "Prompts per category.", DefaultValueFactory = _ => 8 };
        var seed = new Option<int>("--seed") { Description = "Seed of the prompt draws.", DefaultValueFactory = _ => 7 };
        var output = CommonOptions.Out<FileInfo>("Output JSONL file.");
        var exclude = new Option<FileInfo?>("--exclude") { Description = "A prompt set (e.g. prompts-public.jsonl) whose prompt texts are never drawn where a category has others." };
        var command = new Command("validation-prompts", "Write a validation prompt set (JSONL like prompts-public.jsonl) for the guidance rule.")
        {
            perCategory, seed, output, exclude,
        };
        command.SetAction(result =>
        {
            var excluded = result.GetValue(exclude) is { } file
                ? ShapesEvalSet.Load(file.FullName).Select(e => e.Prompt.ToText()).ToHashSet(StringComparer.Ordinal)
                : null;
            var covered = ShapesGuidanceSelection.WriteValidationPrompts(result.GetValue(output)!.FullName, result.GetValue(perCategory), result.GetValue(seed), excluded);
            if (covered.Count > 0)
            {
                // Not an error: the grammar's small categories are all in the public set; their validation images differ by noise seed only.
                Console.Error.WriteLine($"note: every prompt of {string.Join(", ", covered)} is in {result.GetValue(exclude)!.Name}; those are disjoint by noise seed only");
            }

            Console.WriteLine($"wrote {result.GetValue(output)!.FullName}");
            return 0;
        });
        return command;
    }

    private static Command Reconstruct()
    {
        var model = CommonOptions.Model("Pipeline folder (its vae is used).");
        var prompts = CommonOptions.PromptSet();
        var seeds = CommonOptions.Seeds();
        var output = CommonOptions.Out<DirectoryInfo>("Image folder.");
        var command = new Command("reconstruct", "Render each prompt's scene, pass it through a pipeline's VAE and score the reconstructions: the ceiling of a model in that latent space.")
        {
            model, prompts, seeds, output,
        };
        command.SetAction(result =>
        {
            var entries = ShapesEvalSet.Load(result.GetValue(prompts)!.FullName);
            var seedList = CommandLineValues.ParseList<int>(result.GetValue(seeds)!);
            string dir = result.GetValue(output)!.FullName;
            ShapesLab.ReconstructEvalSet(entries, seedList, Path.Combine(result.GetValue(model)!.FullName, "vae"), dir);
            Console.WriteLine(ShapesLab.ScoreFolder(entries, dir, seedList).Format());
            return 0;
        });
        return command;
    }

    private static Command Pairs()
    {
        var model = CommonOptions.Model("Base pipeline folder (diffusers layout with a unet).");
        var prompts = new Option<int>("--prompts-count") { Description = "Prompts drawn from the grammar (categories uniform).", DefaultValueFactory = _ => 600 };
        var perPrompt = new Option<int>("--per-prompt") { Description = "Images per prompt (K), sampled in one batched request.", DefaultValueFactory = _ => 8 };
        var guidance = CommonOptions.GuidanceScale();
        var steps = CommonOptions.SamplingSteps();
        var minPairs = new Option<int>("--min-pairs-per-category")
        {
            Description = "After the first round, sample extra rounds of up to K images on prompts of categories with fewer pairs than this, until each reaches it or --max-images-per-prompt (0: no extra rounds).",
            DefaultValueFactory = _ => 0,
        };
        var maxImages = new Option<int?>("--max-images-per-prompt") { Description = "Cap on one prompt's images over all rounds (default K): the sampling budget is prompts x this." };
        var seed = new Option<int>("--seed") { Description = "Seed of the prompts; prompt p's first-round noise seed is seed·1000000 + p·K, image k adds k (extra images follow all first-round seeds).", DefaultValueFactory = _ => 1 };
        var output = CommonOptions.Out<DirectoryInfo>("Output folder, new or empty (a pairs.jsonl there is never overwritten); it appears when the run completes.");
        var command = new Command(
            "pairs",
            "Make preference pairs from base-model samples: K CFG images per grammar prompt, judged by the SPEC scorer; a correct and an incorrect image of the same prompt form a pair. Writes pairs.jsonl, images/ and summary.json.")
        {
            model, prompts, perPrompt, minPairs, maxImages, guidance, steps, seed, output,
        };
        command.SetAction(async (result, ct) =>
        {
            var options = new ShapesPairsOptions
            {
                Output = result.GetValue(output)!.FullName,
                ModelPath = result.GetValue(model)!.FullName,
                Prompts = result.GetValue(prompts),
                ImagesPerPrompt = result.GetValue(perPrompt),
                MinPairsPerCategory = result.GetValue(minPairs),
                MaxImagesPerPrompt = result.GetValue(maxImages),
                GuidanceScale = result.GetValue(guidance),
                Steps = result.GetValue(steps),
                Seed = result.GetValue(seed),
            };

            // Refuse before loading the model: loading takes a while and the answers do not depend on it.
            if (options.Problems() is { Count: > 0 } problems)
            {
                throw new ArgumentException(string.Join("; ", problems));
            }

            ShapesPreferencePairs.CheckOutput(options.Output);
            var clock = Stopwatch.StartNew();
            ShapesPairsSummary summary;
            try
            {
                // The service's default of 4 images per request would refuse K = 8; here one request is one prompt's K images (or fewer).
                var limits = new SamplingLimits { MaxImages = Math.Max(options.ImagesPerPrompt, new SamplingLimits().MaxImages), DefaultMode = GuidanceMode.Cfg };
                using var pipeline = LocalPipeline.Open(options.ModelPath, limits);
                Console.Error.WriteLine(FormattableString.Invariant(
                    $"sampling {options.Prompts} prompts x {options.ImagesPerPrompt} images from {options.ModelPath} (CFG s {options.GuidanceScale}, {options.Steps} steps, seed {options.Seed})")
                    + (options.MinPairsPerCategory > 0
                        ? FormattableString.Invariant($", then extra rounds towards {options.MinPairsPerCategory} pairs per category (at most {options.ImageCap} images per prompt)")
                        : string.Empty));
                bool drawn = false;
                var progress = new InlinePairsProgress(p =>
                {
                    if (p.Round > 0)
                    {
                        // Extra rounds have no known end (the planner decides after each), so no ETA.
                        Console.Error.Write(FormattableString.Invariant($"\rextra round {p.Round}: request {p.PromptsDone}/{p.TotalPrompts}  pairs {p.Pairs}          "));
                        return;
                    }

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
                // What became of the output; other errors are reported by CommandErrors.
                Console.Error.WriteLine($"stopped; nothing was written to {options.Output} (the unfinished {options.Output}{ShapesPreferencePairs.PartialSuffix} is replaced by the next run)");
                return CommandErrors.Stopped;
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
        void Row(string name, string prompts, string images, string extra, string correct, string percent, string both, string pairs) =>
            text.Append(CultureInfo.InvariantCulture, $"{name,-14} {prompts,8} {images,8} {extra,8} {correct,8} {percent,9} {both,10} {pairs,8}\n");
        void Counts(string name, ShapesPairsCounts c) => Row(
            name,
            c.Prompts.ToString(CultureInfo.InvariantCulture),
            c.Images.ToString(CultureInfo.InvariantCulture),
            c.ExtraImages.ToString(CultureInfo.InvariantCulture),
            c.CorrectImages.ToString(CultureInfo.InvariantCulture),
            c.Images == 0 ? "-" : (100.0 * c.CorrectImages / c.Images).ToString("F1", CultureInfo.InvariantCulture),
            c.PromptsWithBothOutcomes.ToString(CultureInfo.InvariantCulture),
            c.Pairs.ToString(CultureInfo.InvariantCulture));

        Row("category", "prompts", "images", "extra", "correct", "correct%", "both", "pairs");
        foreach (var (name, counts) in summary.Categories)
        {
            Counts(name, counts);
        }

        Counts("total", summary.Total);
        return text.ToString();
    }

    private static Command Table()
    {
        var results = NamedOption("--result", "A row: NAME=REPORT.json (repeat; rows keep this order).");
        var baseline = new Option<string?>("--baseline") { Description = "Add a \"Δ overall\" column against the row of this NAME." };
        var output = CommonOptions.Out<FileInfo?>("Write the table to this file instead of stdout.", required: false);
        var command = new Command("table", "Print a Markdown results table (method, overall, the six categories) of lab score --json reports.")
        {
            results, baseline, output,
        };
        command.SetAction(result =>
        {
            var rows = CommandLineValues.ParseNamed(result.GetValue(results)!, "--result").Select(r => new ShapesResult(r.Name, ShapesReport.ReadJsonFile(r.Value))).ToList();
            string table = ShapesResultsTable.ToMarkdown(rows, result.GetValue(baseline));
            if (result.GetValue(output) is { } file)
            {
                WriteFile(file, table);
            }
            else
            {
                Console.Write(table);
            }

            return 0;
        });
        return command;
    }

    private static Command Compare()
    {
        var a = new Argument<FileInfo>("A") { Description = "Method A's lab score --json report (differences are B - A)." };
        var b = new Argument<FileInfo>("B") { Description = "Method B's lab score --json report, on the same prompts and seeds." };
        var resamples = new Option<int>("--resamples") { Description = "Bootstrap resamples.", DefaultValueFactory = _ => ShapesPairedBootstrap.DefaultResamples };
        var seed = new Option<int>("--seed") { Description = "Seed of the resampling.", DefaultValueFactory = _ => ShapesPairedBootstrap.DefaultSeed };
        var names = new Option<string?>("--names") { Description = "NAME_A,NAME_B for the table (default: the file names, or their folders' names when the file names agree)." };
        var command = new Command(
            "compare",
            "Compare two lab score --json reports of the same prompts and seeds: per category and overall A, B, B - A with a 95% paired-bootstrap CI over prompts, and each seed's overall.")
        {
            a, b, resamples, seed, names,
        };
        command.SetAction(result =>
        {
            var fileA = result.GetValue(a)!;
            var fileB = result.GetValue(b)!;
            var (nameA, nameB) = CompareNames(fileA, fileB, result.GetValue(names));
            var comparison = ShapesPairedBootstrap.Compare(
                ShapesReport.ReadJsonFile(fileA.FullName), ShapesReport.ReadJsonFile(fileB.FullName), result.GetValue(resamples), result.GetValue(seed));
            Console.Write(ShapesComparisonTable.Format(comparison, nameA, nameB));
            return 0;
        });
        return command;
    }

    // score.json files usually sit in one folder per method, so equal file names fall back to the folders' names.
    private static (string A, string B) CompareNames(FileInfo a, FileInfo b, string? names)
    {
        if (names is not null)
        {
            var parts = CommandLineValues.Split(names);
            return parts.Length == 2 ? (parts[0], parts[1]) : throw new ArgumentException($"--names needs NAME_A,NAME_B, got '{names}'");
        }

        string stemA = Path.GetFileNameWithoutExtension(a.Name);
        string stemB = Path.GetFileNameWithoutExtension(b.Name);
        return stemA == stemB && a.Directory is { } dirA && b.Directory is { } dirB ? (dirA.Name, dirB.Name) : (stemA, stemB);
    }

    private static Command Plot()
    {
        var results = NamedOption("--result", "A point: X=REPORT.json, X a number (repeat; sorted by X).");
        var xLabel = new Option<string>("--x-label") { Description = "The x axis title.", DefaultValueFactory = _ => "alpha" };
        var references = new Option<string[]>("--reference") { Description = "A dashed horizontal line: NAME=PERCENT (repeat).", Arity = ArgumentArity.ZeroOrMore };
        var width = new Option<int>("--width") { Description = "Image width in pixels.", DefaultValueFactory = _ => ShapesPlot.DefaultWidth };
        var height = new Option<int>("--height") { Description = "Image height in pixels.", DefaultValueFactory = _ => ShapesPlot.DefaultHeight };
        var output = CommonOptions.Out<FileInfo>("The PNG file to write.");
        var command = new Command("plot", "Draw a PNG line chart of the overall and per-category scores of lab score --json reports against a numeric parameter.")
        {
            results, xLabel, references, width, height, output,
        };
        command.SetAction(result =>
        {
            var points = CommandLineValues.ParseNamed(result.GetValue(results)!, "--result")
                .Select(r => new ShapesPlotPoint(CommandLineValues.ParseNumber(r.Name, "--result"), ShapesReport.ReadJsonFile(r.Value))).ToList();
            var lines = CommandLineValues.ParseNamed(result.GetValue(references) ?? [], "--reference")
                .Select(r => new ShapesPlotReference(r.Name, CommandLineValues.ParseNumber(r.Value, "--reference"))).ToList();
            byte[] png = ShapesPlot.RenderPng(points, result.GetValue(xLabel)!, lines, result.GetValue(width), result.GetValue(height));
            WriteFile(result.GetValue(output)!, png);
            Console.WriteLine($"wrote {result.GetValue(output)!.FullName}");
            return 0;
        });
        return command;
    }

    private static Command Grid()
    {
        var prompts = CommonOptions.PromptSet();
        var ids = new Option<string>("--ids") { Description = "Comma-separated prompt ids, one row each, in this order.", Required = true };
        var seed = new Option<int>("--seed") { Description = "Which {id}_s{seed}.png to show.", DefaultValueFactory = _ => 0 };
        var columns = NamedOption("--column", "A column: NAME=FOLDER of {id}_s{seed}.png images (repeat; columns keep this order).");
        var scale = new Option<int>("--scale") { Description = "Nearest-neighbour upscaling of the 64x64 images.", DefaultValueFactory = _ => 3 };
        var labelWidth = new Option<int>("--label-width") { Description = "Width of the prompt-text column in pixels.", DefaultValueFactory = _ => new ShapesGridLayout().LabelWidth };
        var output = CommonOptions.Out<FileInfo>("The PNG file to write.");
        var command = new Command("grid", "Draw a PNG image grid: rows = prompts (text at the left), columns = image folders (name on top).")
        {
            prompts, ids, seed, columns, scale, labelWidth, output,
        };
        command.SetAction(result =>
        {
            var entries = ShapesEvalSet.Load(result.GetValue(prompts)!.FullName);
            var rows = ShapesImageGrid.SelectRows(entries, CommandLineValues.Split(result.GetValue(ids)!));
            var folders = CommandLineValues.ParseNamed(result.GetValue(columns)!, "--column").Select(c => new ShapesGridColumn(c.Name, c.Value)).ToList();
            var layout = new ShapesGridLayout { Scale = result.GetValue(scale), LabelWidth = result.GetValue(labelWidth) };
            byte[] png = ShapesImageGrid.RenderPng(rows, folders, result.GetValue(seed), layout);
            WriteFile(result.GetValue(output)!, png);
            Console.WriteLine($"wrote {result.GetValue(output)!.FullName} ({rows.Count} rows, {folders.Count} columns)");
            return 0;
        });
        return command;
    }

    private static Option<string[]> NamedOption(string name, string description) =>
        new(name) { Description = description, Required = true, Arity = ArgumentArity.OneOrMore };

    private static void WriteFile(FileInfo file, string text) => WriteFile(file, System.Text.Encoding.UTF8.GetBytes(text));

    private static void WriteFile(FileInfo file, byte[] bytes)
    {
        file.Directory?.Create();
        File.WriteAllBytes(file.FullName, bytes);
    }
}
