using System.Globalization;
using Chats.Core.Guidance;
using Chats.Inference.Engine;
using Chats.Inference.Local;
using Chats.Core.Sampling;
using Chats.Training.Data;

namespace Chats.Training.Shapes;

/// <summary>
/// Preference pairs made as real preference data is: the base model is sampled on prompts of the grammar, each
/// generated image is judged with the scorer, and a correct generation of a prompt is paired with an incorrect
/// generation of the same prompt. Pairs go to a <see cref="PreferenceFolderWriter"/> folder, the counts to
/// <see cref="ShapesPairsSummary.FileName"/> beside it.
/// </summary>
/// <remarks>
/// Prompts come from <see cref="ShapesPromptGenerator"/> seeded with <see cref="ShapesPairsOptions.Seed"/> (categories
/// uniform). Prompt p is one CFG request of K images (<see cref="ShapesPairsOptions.RequestSeed"/>; image k gets that
/// seed + k), so the data set is regenerated exactly from its settings. A prompt with c correct and K − c incorrect
/// images gives min(c, K − c) pairs: the i-th correct image (in generation order) chosen over the i-th incorrect one,
/// so no image is used twice and every prompt weighs at most K / 2 pairs.
/// </remarks>
public static class ShapesPreferencePairs
{
    /// <summary>Appended to the output folder's path for the sibling folder a run writes into until it completes.</summary>
    public const string PartialSuffix = ".partial";

    /// <summary>
    /// Throws unless <paramref name="output"/> can receive a new data set: it must not exist or be an empty folder.
    /// Cheap; callers check before loading a model.
    /// </summary>
    /// <exception cref="IOException">The folder holds a <c>pairs.jsonl</c> or other files.</exception>
    public static void CheckOutput(string output)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(output);
        string folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(output));
        string pairsPath = Path.Combine(folder, PreferenceFolderReader.PairsFileName);
        if (File.Exists(pairsPath))
        {
            throw new IOException($"{pairsPath} already exists; preference data is never overwritten (choose another folder)");
        }

        if (File.Exists(folder) || (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any()))
        {
            throw new IOException($"{folder} exists and is not an empty folder; the pairs need a new or empty one");
        }
    }

    /// <summary>
    /// Samples, judges and pairs; returns (and writes) the summary. <paramref name="pipeline"/> must allow
    /// <see cref="ShapesPairsOptions.ImagesPerPrompt"/> images per request (<see cref="SamplingLimits.MaxImages"/>) and
    /// have a standard <c>unet</c> for CFG.
    /// </summary>
    /// <remarks>
    /// The run writes into the sibling folder <c>{Output}.partial</c> (a leftover one from an interrupted run is
    /// deleted first) and renames it to <see cref="ShapesPairsOptions.Output"/> once <c>summary.json</c> is written,
    /// so a <c>pairs.jsonl</c> at the output is always a complete data set. Cancellation is checked between prompts
    /// and inside sampling; a cancelled run leaves only the <c>.partial</c> folder.
    /// </remarks>
    /// <exception cref="ArgumentException"><see cref="ShapesPairsOptions.Problems"/> names a problem.</exception>
    /// <exception cref="IOException">See <see cref="CheckOutput"/>.</exception>
    /// <exception cref="RequestValidationException">The pipeline refuses the settings (steps, guidance, images per request, mode).</exception>
    public static async Task<ShapesPairsSummary> GenerateAsync(
        LocalPipeline pipeline,
        ShapesPairsOptions options,
        IProgress<ShapesPairsProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        Validate(options);
        CheckOutput(options.Output);
        string output = Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.Output));

        var judge = options.Judge ?? JudgeWithScorer;
        var prompts = new ShapesPromptGenerator(options.Seed);
        int k = options.ImagesPerPrompt;

        // Settle what the pipeline fills in (scheduler, size) and refuse bad settings before anything is written.
        var spec = pipeline.Validator.Validate(Request(options, ShapesPrompt.SingleObject(ShapeKind.Circle).ToText(), 0));

        string staging = output + PartialSuffix;
        if (Directory.Exists(staging))
        {
            // Left by an interrupted run; the data are deterministic, so starting over loses nothing.
            Directory.Delete(staging, recursive: true);
        }

        var perCategory = ShapesVocabulary.Categories.ToDictionary(c => c, _ => new ShapesPairsCounts());
        using (var writer = new PreferenceFolderWriter(staging))
        {
            for (int p = 0; p < options.Prompts; p++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var prompt = prompts.Next();
                string text = prompt.ToText();
                var generated = await pipeline.GenerateAsync(Request(options, text, p), cancellationToken).ConfigureAwait(false);
                if (generated.Count != k)
                {
                    throw new InvalidOperationException($"prompt {p} '{text}': the pipeline returned {generated.Count} images, {k} were asked for");
                }

                var images = new RgbImage[k];
                var correct = new bool[k];
                for (int i = 0; i < k; i++)
                {
                    images[i] = RgbImageDecoder.Decode(generated[i].Png);
                    correct[i] = judge(prompt, images[i]);
                }

                var pairs = Pair(correct);
                string category = ShapesVocabulary.CategoryName(prompt.Category);
                for (int i = 0; i < pairs.Count; i++)
                {
                    var (chosen, rejected) = pairs[i];
                    writer.Write(new PreferencePair(text, images[chosen], images[rejected])
                    {
                        Id = string.Create(CultureInfo.InvariantCulture, $"{p}-{i}"),
                        Metadata = new Dictionary<string, string>
                        {
                            ["category"] = category,
                            ["chosen_seed"] = generated[chosen].Seed.ToString(CultureInfo.InvariantCulture),
                            ["rejected_seed"] = generated[rejected].Seed.ToString(CultureInfo.InvariantCulture),
                        },
                    });
                }

                perCategory[prompt.Category] = perCategory[prompt.Category].AddPrompt(k, correct.Count(c => c), pairs.Count);
                progress?.Report(new ShapesPairsProgress(p + 1, options.Prompts, writer.Count));
            }
        }

        var summary = new ShapesPairsSummary
        {
            Model = options.ModelPath,
            Mode = spec.Guidance.Mode,
            GuidanceScale = spec.Guidance.Scale,
            Steps = spec.Steps,
            Scheduler = spec.Scheduler,
            Width = spec.Width,
            Height = spec.Height,
            Prompts = options.Prompts,
            ImagesPerPrompt = k,
            Seed = options.Seed,
            Categories = ShapesVocabulary.Categories.ToDictionary(ShapesVocabulary.CategoryName, c => perCategory[c]),
            Total = perCategory.Values.Aggregate(new ShapesPairsCounts(), (sum, c) => sum.Plus(c)),
        };
        summary.Save(staging);
        if (Directory.Exists(output))
        {
            Directory.Delete(output); // empty (CheckOutput); Directory.Move needs the name free
        }

        Directory.Move(staging, output);
        return summary;
    }

    /// <summary>
    /// The pairs of one prompt's verdicts: the i-th correct index chosen over the i-th incorrect one, for i below
    /// min(#correct, #incorrect).
    /// </summary>
    internal static IReadOnlyList<(int Chosen, int Rejected)> Pair(IReadOnlyList<bool> correct)
    {
        ArgumentNullException.ThrowIfNull(correct);
        var good = new List<int>();
        var bad = new List<int>();
        for (int i = 0; i < correct.Count; i++)
        {
            (correct[i] ? good : bad).Add(i);
        }

        return [.. good.Zip(bad)];
    }

    private static void Validate(ShapesPairsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Problems();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }
    }

    private static GenerationRequestInput Request(ShapesPairsOptions options, string prompt, int promptIndex) => new(
        prompt,
        string.Empty,
        0,
        0,
        options.Steps,
        options.RequestSeed(promptIndex),
        options.GuidanceScale,
        null,
        GuidanceMode.Cfg,
        null,
        options.ImagesPerPrompt);

    private static bool JudgeWithScorer(ShapesPrompt prompt, RgbImage image) => ShapesScorer.Judge(prompt, image.Rgb, image.Width, image.Height);
}
