using System.Globalization;
using System.Text;

namespace Chats.Training.Shapes;

/// <summary>
/// The Markdown results table of the docs: one row per result, in the given order, with the overall score and the six
/// category scores (SPEC order) as percentages with one decimal.
/// </summary>
public static class ShapesResultsTable
{
    /// <summary>The header of the optional difference column.</summary>
    public const string DeltaHeader = "Δ overall";

    /// <summary>
    /// Formats <paramref name="results"/> as a Markdown table. With <paramref name="baseline"/> (the name of one of the
    /// results) a <see cref="DeltaHeader"/> column gives each row's overall score minus the baseline's, signed, and "—"
    /// on the baseline's own row. The difference is taken between the printed (one-decimal) values, so every row of the
    /// table checks by hand; it differs from the unrounded difference by at most 0.1, the table's precision.
    /// Throws <see cref="ArgumentException"/> when there are no results, a name repeats or the baseline is not among them.
    /// </summary>
    public static string ToMarkdown(IReadOnlyList<ShapesResult> results, string? baseline = null)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.Count == 0)
        {
            throw new ArgumentException("no results to tabulate", nameof(results));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var result in results)
        {
            if (!names.Add(result.Name))
            {
                throw new ArgumentException($"result name '{result.Name}' repeats; every row needs its own name", nameof(results));
            }
        }

        ShapesResult? reference = null;
        if (baseline is not null)
        {
            reference = results.FirstOrDefault(r => r.Name == baseline)
                ?? throw new ArgumentException(
                    $"baseline '{baseline}' is not among the results ({string.Join(", ", results.Select(r => r.Name))})", nameof(baseline));
        }

        var table = new StringBuilder();
        var header = new List<string> { "method", "overall" };
        header.AddRange(ShapesVocabulary.Categories.Select(ShapesVocabulary.CategoryName));
        var alignment = new List<string> { "---" };
        alignment.AddRange(Enumerable.Repeat("---:", header.Count - 1));
        if (reference is not null)
        {
            header.Add(DeltaHeader);
            alignment.Add("---:");
        }

        AppendRow(table, header);
        AppendRow(table, alignment);
        foreach (var result in results)
        {
            var cells = new List<string> { Escape(result.Name), Percent(result.Report.OverallPercent) };
            cells.AddRange(ShapesVocabulary.Categories.Select(c => Percent(result.Report.CategoryPercent[c])));
            if (reference is not null)
            {
                cells.Add(ReferenceEquals(result, reference) ? "—" : Delta(result.Report.OverallPercent, reference.Report.OverallPercent));
            }

            AppendRow(table, cells);
        }

        return table.ToString();
    }

    private static string Percent(double percent) => percent.ToString("F1", CultureInfo.InvariantCulture);

    private static string Delta(double value, double baseline)
    {
        // Decimal arithmetic on the printed values: exact, and equal to what a reader computes from the table.
        decimal difference = decimal.Parse(Percent(value), CultureInfo.InvariantCulture) - decimal.Parse(Percent(baseline), CultureInfo.InvariantCulture);
        return difference.ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture);
    }

    // A '|' in a method name would end its cell.
    private static string Escape(string name) => name.Replace("|", "\\|", StringComparison.Ordinal);

    private static void AppendRow(StringBuilder table, IEnumerable<string> cells) => table.Append("| ").AppendJoin(" | ", cells).Append(" |\n");
}
