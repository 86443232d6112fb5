using Chats.Training.Shapes;

namespace Chats.Training.Tests.Shapes;

public sealed class ShapesResultsTableTests
{
    private static readonly ShapesResult[] s_results =
    [
        new("Standard+CFG", TestReports.WithCategories(75, 75, 25, 50, 50, 50)), // overall 54.1666…
        new("Diffusion-DPO", TestReports.WithCategories(80, 70, 30, 60, 40, 50)), // overall 55
        new("CHATS", TestReports.WithCategories(10, 20, 30, 40, 50, 60.4)), // overall 35.0666…
    ];

    [Fact]
    public void ToMarkdown_OneRowPerResultInOrder_PercentsWithOneDecimal()
    {
        string table = ShapesResultsTable.ToMarkdown(s_results);

        Assert.Equal(
            """
            | method | overall | single_object | two_object | counting | colors | position | color_attr |
            | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
            | Standard+CFG | 54.2 | 75.0 | 75.0 | 25.0 | 50.0 | 50.0 | 50.0 |
            | Diffusion-DPO | 55.0 | 80.0 | 70.0 | 30.0 | 60.0 | 40.0 | 50.0 |
            | CHATS | 35.1 | 10.0 | 20.0 | 30.0 | 40.0 | 50.0 | 60.4 |

            """.ReplaceLineEndings("\n"),
            table);
    }

    [Fact]
    public void ToMarkdown_WithBaseline_AddsSignedDeltaOverall_AndADashOnTheBaselineRow()
    {
        string[] lines = ShapesResultsTable.ToMarkdown(s_results, baseline: "Standard+CFG").Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.EndsWith("| color_attr | Δ overall |", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("| ---: | ---: |", lines[1], StringComparison.Ordinal);
        Assert.EndsWith("| 50.0 | — |", lines[2], StringComparison.Ordinal);
        Assert.EndsWith("| 50.0 | +0.8 |", lines[3], StringComparison.Ordinal); // 55.0 - 54.2
        Assert.EndsWith("| 60.4 | -19.1 |", lines[4], StringComparison.Ordinal); // 35.1 - 54.2
    }

    [Fact]
    public void DeltaOverall_IsTheDifferenceOfThePrintedValues()
    {
        // 50.26 - 50.04 = 0.22 unrounded, but the table shows 50.3 and 50.0: the column says +0.3, as a reader computes.
        var results = new[] { new ShapesResult("a", TestReports.Uniform(50.04)), new ShapesResult("b", TestReports.Uniform(50.26)) };

        string[] lines = ShapesResultsTable.ToMarkdown(results, baseline: "a").Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("| b | 50.3 | 50.3 | 50.3 | 50.3 | 50.3 | 50.3 | 50.3 | +0.3 |", lines[3]);
    }

    [Fact]
    public void DeltaOverall_OfEqualPrintedValues_IsUnsignedZero()
    {
        var results = new[] { new ShapesResult("a", TestReports.Uniform(40.01)), new ShapesResult("b", TestReports.Uniform(39.99)) };

        Assert.EndsWith("| 0.0 |", ShapesResultsTable.ToMarkdown(results, baseline: "b").Split('\n')[2], StringComparison.Ordinal);
    }

    [Fact]
    public void ToMarkdown_EscapesAPipeInAMethodName()
    {
        string table = ShapesResultsTable.ToMarkdown([new ShapesResult("CFG | w=5", TestReports.Uniform(10))]);

        Assert.Contains("| CFG \\| w=5 | 10.0 |", table, StringComparison.Ordinal);
    }

    [Fact]
    public void ToMarkdown_UnknownBaseline_RepeatedName_OrNoResults_Throw()
    {
        var unknown = Assert.Throws<ArgumentException>(() => ShapesResultsTable.ToMarkdown(s_results, baseline: "SD"));
        Assert.Contains("'SD'", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("Standard+CFG, Diffusion-DPO, CHATS", unknown.Message, StringComparison.Ordinal);

        var repeated = Assert.Throws<ArgumentException>(() => ShapesResultsTable.ToMarkdown([s_results[0], s_results[0]]));
        Assert.Contains("repeats", repeated.Message, StringComparison.Ordinal);

        Assert.Throws<ArgumentException>(() => ShapesResultsTable.ToMarkdown([]));
    }
}
