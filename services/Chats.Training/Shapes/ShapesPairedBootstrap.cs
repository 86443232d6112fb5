namespace Chats.Training.Shapes;

/// <summary>
/// The paired bootstrap over prompts: how sure a difference in score between two methods is, given that both were
/// judged on the same prompts and seeds.
/// </summary>
/// <remarks>
/// <para>
/// The statistic is the one <see cref="ShapesReport"/> reports: a category's percentage is the mean over seeds of its
/// accuracy, which with every prompt judged under every seed is the mean over the category's prompts of each prompt's
/// fraction of seeds judged correct; the overall is the mean of the six category percentages (not the pooled accuracy
/// of all images). Each prompt contributes d = 100 · (its accuracy under B − its accuracy under A), so a resample keeps a
/// prompt's A and B verdicts together (paired) and keeps the seeds of a prompt together (the seeds share its text).
/// </para>
/// <para>
/// A resample draws, within each category, as many prompts as the category has, uniformly with replacement: the prompt
/// sets are stratified by category and the overall weighs categories equally, so the resample keeps that design. The
/// interval is the percentile interval: the 2.5th and 97.5th percentiles of the resampled differences, each a linear
/// interpolation between order statistics (position q · (N − 1) in the sorted N values). Resampling uses
/// <see cref="Random"/> seeded with the given seed, so a comparison is reproduced exactly.
/// </para>
/// </remarks>
public static class ShapesPairedBootstrap
{
    /// <summary>The default number of resamples: 10,000 keeps the Monte Carlo error of a 95% percentile interval's ends near 0.1 points on 288 prompts.</summary>
    public const int DefaultResamples = 10_000;

    /// <summary>The default seed of the resampling.</summary>
    public const int DefaultSeed = 0;

    /// <summary>The confidence level of the intervals.</summary>
    public const double ConfidenceLevel = 0.95;

    /// <summary>
    /// Compares method B against method A (differences are B − A). Both reports need per-prompt verdicts
    /// (<see cref="ShapesReport.Prompts"/>), the same seeds and the same prompt ids, each in the same category. The A and B
    /// scores are computed from the verdicts; for files written by <c>lab score --json</c> they are the reports' own
    /// percentages.
    /// </summary>
    /// <exception cref="ArgumentException">A report has no per-prompt verdicts, or the reports' seeds or prompts differ (the message says how).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="resamples"/> is not positive.</exception>
    public static ShapesPairedComparison Compare(ShapesReport a, ShapesReport b, int resamples = DefaultResamples, int seed = DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(resamples);
        var differences = PromptDifferences(a, b);

        var distribution = Resample(differences, resamples, seed);
        var categories = new Dictionary<ShapesCategory, ShapesScoreDifference>();
        var byCategory = Split(a.Prompts!);
        var bPrompts = b.Prompts!.ToDictionary(p => p.Id, StringComparer.Ordinal);
        foreach (var category in ShapesVocabulary.Categories)
        {
            var prompts = byCategory[category];
            double scoreA = 100.0 * prompts.Average(p => p.Accuracy);
            double scoreB = 100.0 * prompts.Average(p => bPrompts[p.Id].Accuracy);
            categories[category] = Interval(scoreA, scoreB, differences[category].Average(), distribution.Categories[category]);
        }

        double overallA = categories.Values.Average(c => c.A);
        double overallB = categories.Values.Average(c => c.B);
        return new ShapesPairedComparison
        {
            Overall = Interval(overallA, overallB, categories.Values.Average(c => c.Difference), distribution.Overall),
            Categories = categories,
            Seeds = a.Seeds,
            SeedOverallA = [.. a.Seeds.Select(a.SeedOverallPercent)],
            SeedOverallB = [.. b.Seeds.Select(b.SeedOverallPercent)],
            PromptCount = a.Prompts!.Count,
            Resamples = resamples,
            Seed = seed,
        };
    }

    /// <summary>
    /// Each category's per-prompt differences 100 · (accuracy under B − accuracy under A), in A's prompt order.
    /// </summary>
    internal static Dictionary<ShapesCategory, double[]> PromptDifferences(ShapesReport a, ShapesReport b)
    {
        var promptsA = a.Prompts ?? throw NoVerdicts("A");
        var promptsB = b.Prompts ?? throw NoVerdicts("B");
        if (!a.Seeds.SequenceEqual(b.Seeds))
        {
            throw new ArgumentException($"the reports were scored on different seeds: A on {string.Join(",", a.Seeds)}, B on {string.Join(",", b.Seeds)}; a paired comparison needs the same images' seeds");
        }

        var byId = promptsB.ToDictionary(p => p.Id, StringComparer.Ordinal);
        foreach (var prompt in promptsA)
        {
            if (!byId.TryGetValue(prompt.Id, out var other))
            {
                throw new ArgumentException($"prompt '{prompt.Id}' is in report A but not in report B; a paired comparison needs the same prompt set");
            }

            if (other.Category != prompt.Category)
            {
                throw new ArgumentException(
                    $"prompt '{prompt.Id}' is {ShapesVocabulary.CategoryName(prompt.Category)} in report A but {ShapesVocabulary.CategoryName(other.Category)} in report B");
            }
        }

        if (promptsB.Count != promptsA.Count)
        {
            string extra = promptsB.Select(p => p.Id).First(id => !promptsA.Any(p => p.Id == id));
            throw new ArgumentException($"prompt '{extra}' is in report B but not in report A; a paired comparison needs the same prompt set");
        }

        return Split(promptsA).ToDictionary(c => c.Key, c => c.Value.Select(p => 100.0 * (byId[p.Id].Accuracy - p.Accuracy)).ToArray());
    }

    /// <summary>
    /// The bootstrap distribution: for each of <paramref name="resamples"/> resamples (prompts drawn with replacement
    /// within each category), each category's mean difference and the mean of those six, in resample order.
    /// </summary>
    internal static (double[] Overall, Dictionary<ShapesCategory, double[]> Categories) Resample(
        IReadOnlyDictionary<ShapesCategory, double[]> differences, int resamples, int seed)
    {
        var random = new Random(seed);
        var overall = new double[resamples];
        var categories = ShapesVocabulary.Categories.ToDictionary(c => c, _ => new double[resamples]);
        for (int r = 0; r < resamples; r++)
        {
            double sum = 0;
            foreach (var category in ShapesVocabulary.Categories)
            {
                double[] d = differences[category];
                double total = 0;
                for (int i = 0; i < d.Length; i++)
                {
                    total += d[random.Next(d.Length)];
                }

                double mean = total / d.Length;
                categories[category][r] = mean;
                sum += mean;
            }

            overall[r] = sum / ShapesVocabulary.Categories.Count;
        }

        return (overall, categories);
    }

    /// <summary>The <paramref name="q"/>-quantile of <paramref name="sorted"/> (ascending), interpolating linearly between order statistics at position q · (N − 1).</summary>
    internal static double Percentile(IReadOnlyList<double> sorted, double q)
    {
        ArgumentOutOfRangeException.ThrowIfZero(sorted.Count);
        double position = q * (sorted.Count - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Count - 1);
        double weight = position - below;
        return sorted[below] + (weight * (sorted[above] - sorted[below]));
    }

    private static ShapesScoreDifference Interval(double a, double b, double difference, double[] resampled)
    {
        double[] sorted = [.. resampled.Order()];
        double tail = (1 - ConfidenceLevel) / 2;
        return new ShapesScoreDifference(a, b, difference, Percentile(sorted, tail), Percentile(sorted, 1 - tail));
    }

    private static Dictionary<ShapesCategory, List<ShapesPromptResult>> Split(IReadOnlyList<ShapesPromptResult> prompts)
    {
        var byCategory = ShapesVocabulary.Categories.ToDictionary(c => c, _ => new List<ShapesPromptResult>());
        foreach (var prompt in prompts)
        {
            byCategory[prompt.Category].Add(prompt);
        }

        foreach (var (category, list) in byCategory)
        {
            if (list.Count == 0)
            {
                throw new ArgumentException($"the reports have no {ShapesVocabulary.CategoryName(category)} prompt; the overall score needs all six categories");
            }
        }

        return byCategory;
    }

    private static ArgumentException NoVerdicts(string which) =>
        new($"report {which} has no per-prompt verdicts; score its images again with this version's `chats lab score --json`");
}
