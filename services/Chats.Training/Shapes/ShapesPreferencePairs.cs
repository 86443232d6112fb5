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
/// uniform). In the first round prompt p is one CFG request of K images (<see cref="ShapesPairsOptions.RequestSeed"/>;
/// image k gets that seed + k). With <see cref="ShapesPairsOptions.MinPairsPerCategory"/> set, extra rounds follow:
/// <see cref="ShapesPairsBudgetPlanner"/> gives prompts of categories still short of pairs further requests of up to K
/// images, up to <see cref="ShapesPairsOptions.MaxImagesPerPrompt"/> per prompt, seeded by
/// <see cref="ShapesPairsOptions.ImageSeed"/>, so the data set is regenerated exactly from its settings. A prompt with
/// c correct and n − c incorrect images gives min(c, n − c) pairs: the i-th correct image (in generation order, over all
/// rounds) chosen over the i-th incorrect one, so no image is used twice and every prompt weighs at most n / 2 pairs.
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
        var spec = pipeline.Validator.Validate(Request(options, ShapesPrompt.SingleObject(ShapeKind.Circle).ToText(), options.RequestSeed(0), k));

        string staging = output + PartialSuffix;
        if (Directory.Exists(staging))
        {
            // Left by an interrupted run; the data are deterministic, so starting over loses nothing.
            Directory.Delete(staging, recursive: true);
        }

        var texts = new ShapesPrompt[options.Prompts];
        var pairing = new ShapesPromptPairing[options.Prompts];
        int rounds = 1;
        using (var writer = new PreferenceFolderWriter(staging))
        {
            for (int p = 0; p < options.Prompts; p++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                texts[p] = prompts.Next();
                pairing[p] = new ShapesPromptPairing();
                await SampleAsync(pipeline, options, judge, writer, texts[p], pairing[p], new ShapesSampleRequest(p, 0, k), cancellationToken).ConfigureAwait(false);
                progress?.Report(new ShapesPairsProgress(p + 1, options.Prompts, writer.Count));
            }

            while (options.MinPairsPerCategory > 0)
            {
                var tallies = Enumerable.Range(0, options.Prompts)
                    .Select(p => new ShapesPromptTally(p, texts[p].Category, pairing[p].Images, pairing[p].Correct)).ToList();
                var requests = ShapesPairsBudgetPlanner.NextRound(tallies, k, options.ImageCap, options.MinPairsPerCategory);
                if (requests.Count == 0)
                {
                    break;
                }

                for (int i = 0; i < requests.Count; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int p = requests[i].Prompt;
                    await SampleAsync(pipeline, options, judge, writer, texts[p], pairing[p], requests[i], cancellationToken).ConfigureAwait(false);
                    progress?.Report(new ShapesPairsProgress(i + 1, requests.Count, writer.Count, rounds));
                }

                rounds++;
            }
        }

        var perCategory = ShapesVocabulary.Categories.ToDictionary(c => c, _ => new ShapesPairsCounts());
        for (int p = 0; p < options.Prompts; p++)
        {
            var c = texts[p].Category;
            perCategory[c] = perCategory[c].AddPrompt(pairing[p].Images, pairing[p].Correct, pairing[p].Pairs, pairing[p].Images - k);
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
            MinPairsPerCategory = options.MinPairsPerCategory,
            MaxImagesPerPrompt = options.ImageCap,
            Rounds = rounds,
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

    // One request: the images of one prompt from request.FirstImage on, judged, paired and the pairs written.
    private static async Task SampleAsync(
        LocalPipeline pipeline,
        ShapesPairsOptions options,
        Func<ShapesPrompt, RgbImage, bool> judge,
        PreferenceFolderWriter writer,
        ShapesPrompt prompt,
        ShapesPromptPairing pairing,
        ShapesSampleRequest request,
        CancellationToken cancellationToken)
    {
        string text = prompt.ToText();
        int p = request.Prompt;
        var generated = await pipeline.GenerateAsync(Request(options, text, options.ImageSeed(p, request.FirstImage), request.Count), cancellationToken).ConfigureAwait(false);
        if (generated.Count != request.Count)
        {
            throw new InvalidOperationException($"prompt {p} '{text}': the pipeline returned {generated.Count} images, {request.Count} were asked for");
        }

        string category = ShapesVocabulary.CategoryName(prompt.Category);
        foreach (var image in generated)
        {
            var rgb = RgbImageDecoder.Decode(image.Png);
            int index = pairing.Pairs;
            if (pairing.Add(rgb, image.Seed, judge(prompt, rgb)) is not { } pair)
            {
                continue;
            }

            var (chosen, rejected) = pair;
            writer.Write(new PreferencePair(text, chosen.Image, rejected.Image)
            {
                Id = string.Create(CultureInfo.InvariantCulture, $"{p}-{index}"),
                Metadata = new Dictionary<string, string>
                {
                    ["category"] = category,
                    ["chosen_seed"] = chosen.Seed.ToString(CultureInfo.InvariantCulture),
                    ["rejected_seed"] = rejected.Seed.ToString(CultureInfo.InvariantCulture),
                },
            });
        }
    }

    private static GenerationRequestInput Request(ShapesPairsOptions options, string prompt, ulong seed, int images) => new(
        prompt,
        string.Empty,
        0,
        0,
        options.Steps,
        seed,
        options.GuidanceScale,
        null,
        GuidanceMode.Cfg,
        null,
        images);

    private static bool JudgeWithScorer(ShapesPrompt prompt, RgbImage image) => ShapesScorer.Judge(prompt, image.Rgb, image.Width, image.Height);
}
