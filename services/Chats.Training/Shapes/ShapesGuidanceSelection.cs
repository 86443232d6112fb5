using System.Globalization;
using Chats.Inference.Engine;
using Chats.Inference.Local;

namespace Chats.Training.Shapes;

/// <summary>
/// The lab's one rule for choosing each method's guidance scale: evaluate a fixed grid of s on a validation prompt
/// set (prompts of the grammar and seeds disjoint from the public evaluation's noise seeds) and take the scale with
/// the highest overall score; ties go to the smaller scale. Every method gets the same grid, prompts, seeds and steps.
/// </summary>
public static class ShapesGuidanceSelection
{
    /// <summary>The grid every method is searched over.</summary>
    public static IReadOnlyList<float> DefaultGrid { get; } = [1f, 2f, 3f, 5f, 7.5f];

    /// <summary>Validation seeds: their noise seeds (SPEC §4 rule) start at 1,000,000, clear of evaluation seeds 0–3.</summary>
    public static IReadOnlyList<int> ValidationSeeds { get; } = [10, 11];

    /// <summary>The chosen candidate: highest overall, ties to the smaller scale.</summary>
    public static GuidanceCandidate Choose(IReadOnlyList<GuidanceCandidate> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        if (candidates.Count == 0)
        {
            throw new ArgumentException("no candidates", nameof(candidates));
        }

        return candidates.OrderByDescending(c => c.Report.OverallPercent).ThenBy(c => c.GuidanceScale).First();
    }

    /// <summary>Generates and scores the validation set at every scale of <paramref name="grid"/>, images under <c>{outRoot}/s{scale}/</c>.</summary>
    public static async Task<IReadOnlyList<GuidanceCandidate>> EvaluateGridAsync(
        LocalPipeline pipeline,
        IReadOnlyList<ShapesEvalEntry> entries,
        IReadOnlyList<int> seeds,
        ShapesSamplingSettings settings,
        IReadOnlyList<float> grid,
        string outRoot,
        Action<string>? log = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(grid);
        var candidates = new List<GuidanceCandidate>();
        foreach (float scale in grid)
        {
            string dir = Path.Combine(outRoot, "s" + scale.ToString(CultureInfo.InvariantCulture));
            await ShapesGeneration.GenerateAsync(
                pipeline, entries, seeds, settings with { GuidanceScale = scale }, dir, cancellationToken: cancellationToken).ConfigureAwait(false);
            var report = ShapesLab.ScoreFolder(entries, dir, seeds);
            log?.Invoke(string.Create(CultureInfo.InvariantCulture, $"s = {scale}: overall {report.OverallPercent:F1}%"));
            candidates.Add(new GuidanceCandidate(scale, report));
        }

        return candidates;
    }

    /// <summary>
    /// Writes a validation prompt file: <paramref name="perCategory"/> prompts of each category drawn from the grammar
    /// with <paramref name="seed"/>, ids <c>val_{category}_{k}</c>, in the JSONL format of <c>prompts-public.jsonl</c>.
    /// </summary>
    public static void WriteValidationPrompts(string path, int perCategory, int seed) => WriteValidationPrompts(path, perCategory, seed, null);

    /// <summary>
    /// As <see cref="WriteValidationPrompts(string, int, int)"/>, but never draws a prompt text in <paramref name="exclude"/>
    /// (e.g. every prompt of <c>prompts-public.jsonl</c>) where its category has prompts outside it. The grammar's small
    /// categories (3, 6, 9, 18 and 24 prompts) are entirely in the public set, so for those the validation set can only be
    /// disjoint by noise seed (validation seeds ≥ 10); their names are returned so the caller can say so. With no
    /// exclusions the file is the same as the three-argument overload's.
    /// </summary>
    /// <returns>The categories whose prompts all lie in <paramref name="exclude"/> and were drawn from the whole category.</returns>
    public static IReadOnlyList<string> WriteValidationPrompts(string path, int perCategory, int seed, IReadOnlySet<string>? exclude)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perCategory);
        // The same draws as ShapesPromptGenerator(seed).Next(category) when nothing is excluded.
        var rng = new Random(seed);
        var covered = new List<string>();
        using var writer = new StreamWriter(path) { NewLine = "\n" };
        foreach (var category in ShapesVocabulary.Categories)
        {
            string name = ShapesVocabulary.CategoryName(category);
            var all = ShapesPromptGenerator.All(category);
            IReadOnlyList<ShapesPrompt> allowed = exclude is null ? all : [.. all.Where(p => !exclude.Contains(p.ToText()))];
            if (allowed.Count == 0)
            {
                covered.Add(name);
                allowed = all;
            }

            for (int k = 0; k < perCategory; k++)
            {
                writer.WriteLine(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string>
                {
                    ["id"] = $"val_{name}_{k:D3}",
                    ["category"] = name,
                    ["prompt"] = allowed[rng.Next(allowed.Count)].ToText(),
                }));
            }
        }

        return covered;
    }
}
