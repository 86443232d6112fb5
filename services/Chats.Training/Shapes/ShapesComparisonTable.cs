using System.Globalization;
using System.Text;

namespace Chats.Training.Shapes;

/// <summary>The text table <c>chats lab compare</c> prints for a <see cref="ShapesPairedComparison"/>.</summary>
public static class ShapesComparisonTable
{
    /// <summary>
    /// Per category and overall: A, B, B − A and its confidence interval; then each seed's overall for A and B; then one
    /// line with the bootstrap's settings and the interval of overall B − A. Invariant culture, one decimal.
    /// </summary>
    public static string Format(ShapesPairedComparison comparison, string nameA, string nameB)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        ArgumentException.ThrowIfNullOrEmpty(nameA);
        ArgumentException.ThrowIfNullOrEmpty(nameB);
        var text = new StringBuilder();
        int level = (int)Math.Round(comparison.ConfidenceLevel * 100);
        text.Append(CultureInfo.InvariantCulture, $"A = {nameA}, B = {nameB}\n");
        text.Append(CultureInfo.InvariantCulture, $"{"category",-14} {"A",7} {"B",7} {"B-A",7}  {level}% CI\n");
        foreach (var (category, d) in comparison.Categories)
        {
            Row(text, ShapesVocabulary.CategoryName(category), d);
        }

        Row(text, "overall", comparison.Overall);
        text.Append('\n');
        text.Append(CultureInfo.InvariantCulture, $"{"seed",-14} {"A",7} {"B",7} {"B-A",7}\n");
        for (int i = 0; i < comparison.Seeds.Count; i++)
        {
            double a = comparison.SeedOverallA[i];
            double b = comparison.SeedOverallB[i];
            text.Append(CultureInfo.InvariantCulture, $"{comparison.Seeds[i],-14} {a,7:F1} {b,7:F1} {Signed(b - a),7}\n");
        }

        text.Append('\n');
        var o = comparison.Overall;
        text.Append(CultureInfo.InvariantCulture,
            $"paired bootstrap over {comparison.PromptCount} prompts (resampled within each category; {comparison.Resamples} resamples, seed {comparison.Seed}): overall B - A {Signed(o.Difference)}, {level}% CI {Signed(o.Lower)} .. {Signed(o.Upper)}\n");
        return text.ToString();
    }

    private static void Row(StringBuilder text, string name, ShapesScoreDifference d) =>
        text.Append(CultureInfo.InvariantCulture, $"{name,-14} {d.A,7:F1} {d.B,7:F1} {Signed(d.Difference),7}  [{Signed(d.Lower)}, {Signed(d.Upper)}]\n");

    // Rounds first so that a tiny negative difference prints as +0.0 rather than -0.0.
    private static string Signed(double value)
    {
        double rounded = Math.Round(value, 1, MidpointRounding.AwayFromZero);
        return (rounded >= 0 ? "+" : "") + (rounded == 0 ? 0.0 : rounded).ToString("F1", CultureInfo.InvariantCulture);
    }
}
