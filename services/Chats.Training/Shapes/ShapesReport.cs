using System.Globalization;
using System.Text;

namespace Chats.Training.Shapes;

/// <summary>
/// Scores of a prompt set (SPEC §2): for each seed, each category's accuracy (fraction judged correct); each category's
/// percentage is the mean over seeds of its accuracy, and <see cref="OverallPercent"/> is the mean of the six
/// category percentages (GenEval's "Overall"; with the same entries under every seed this equals the mean over seeds of
/// each seed's overall).
/// </summary>
public sealed class ShapesReport
{
    private ShapesReport(IReadOnlyDictionary<ShapesCategory, double> categoryPercent, double overallPercent, IReadOnlyList<int> seeds, int imageCount)
    {
        CategoryPercent = categoryPercent;
        OverallPercent = overallPercent;
        Seeds = seeds;
        ImageCount = imageCount;
    }

    /// <summary>Each category's accuracy, in percent, averaged over seeds.</summary>
    public IReadOnlyDictionary<ShapesCategory, double> CategoryPercent { get; }

    /// <summary>The mean of the six category percentages.</summary>
    public double OverallPercent { get; }

    /// <summary>The seeds the judgements came from, ascending.</summary>
    public IReadOnlyList<int> Seeds { get; }

    /// <summary>The number of judged images.</summary>
    public int ImageCount { get; }

    /// <summary>
    /// Aggregates judgements. Every seed present must have judgements in all six categories; throws
    /// <see cref="ArgumentException"/> naming the first missing (seed, category) otherwise.
    /// </summary>
    public static ShapesReport FromJudgements(IEnumerable<ShapesJudgement> judgements)
    {
        ArgumentNullException.ThrowIfNull(judgements);
        var counts = new Dictionary<(int Seed, ShapesCategory Category), (int Correct, int Total)>();
        int images = 0;
        foreach (var j in judgements)
        {
            counts.TryGetValue((j.Seed, j.Category), out var c);
            counts[(j.Seed, j.Category)] = (c.Correct + (j.Correct ? 1 : 0), c.Total + 1);
            images++;
        }

        if (images == 0)
        {
            throw new ArgumentException("no judgements to report", nameof(judgements));
        }

        int[] seeds = [.. counts.Keys.Select(k => k.Seed).Distinct().Order()];
        var percent = new Dictionary<ShapesCategory, double>();
        foreach (var category in ShapesVocabulary.Categories)
        {
            double sum = 0;
            foreach (int seed in seeds)
            {
                if (!counts.TryGetValue((seed, category), out var c))
                {
                    throw new ArgumentException(
                        $"seed {seed} has no {ShapesVocabulary.CategoryName(category)} judgements; the overall score needs all six categories",
                        nameof(judgements));
                }

                sum += (double)c.Correct / c.Total;
            }

            percent[category] = 100.0 * sum / seeds.Length;
        }

        return new ShapesReport(percent, percent.Values.Average(), seeds, images);
    }

    /// <summary>One line: <c>single_object 56.3, two_object 25.0, ..., overall 21.9%</c> (invariant culture, one decimal).</summary>
    public string Format()
    {
        var text = new StringBuilder();
        foreach (var category in ShapesVocabulary.Categories)
        {
            text.Append(CultureInfo.InvariantCulture, $"{ShapesVocabulary.CategoryName(category)} {CategoryPercent[category]:F1}, ");
        }

        text.Append(CultureInfo.InvariantCulture, $"overall {OverallPercent:F1}%");
        return text.ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => Format();
}
