using Chats.Training.Shapes;

namespace Chats.Training.Tests.Shapes;

public sealed class ShapesPairedBootstrapTests
{
    private const ShapesCategory Counting = ShapesCategory.Counting;
    private const ShapesCategory Colors = ShapesCategory.Colors;

    [Fact]
    public void IdenticalReports_GiveZeroDifferences_WithZeroWidthIntervals()
    {
        var report = Report(3, [0, 1, 2], (c, p, s) => ((int)c + p + s) % 3 == 0);

        var comparison = ShapesPairedBootstrap.Compare(report, report, resamples: 500);

        Assert.All(comparison.Categories.Values.Append(comparison.Overall), d => Assert.Equal((0.0, 0.0, 0.0), (d.Difference, d.Lower, d.Upper)));
        Assert.Equal(report.OverallPercent, comparison.Overall.A, 10);
        Assert.Equal(report.OverallPercent, comparison.Overall.B, 10);
    }

    [Fact]
    public void EveryPromptGainingOneSeedInFour_GivesAnIntervalOfExactlyTwentyFivePoints()
    {
        // Each prompt is right under one of four seeds for A and two for B, a different pair of seeds per prompt.
        var a = Report(4, [0, 1, 2, 3], (_, p, s) => (p + s) % 4 == 0);
        var b = Report(4, [0, 1, 2, 3], (_, p, s) => (p + s) % 4 <= 1);

        var comparison = ShapesPairedBootstrap.Compare(a, b, resamples: 500);

        Assert.All(comparison.Categories.Values.Append(comparison.Overall), d =>
        {
            Assert.Equal(25, d.Difference, 10);
            Assert.Equal(25, d.Lower, 10);
            Assert.Equal(25, d.Upper, 10);
        });
        Assert.Equal((25.0, 50.0), (comparison.Overall.A, comparison.Overall.B));
    }

    [Fact]
    public void PointEstimates_AndPerSeedOveralls_MatchAHandComputedCase()
    {
        // Two seeds, two prompts per category. single_object always right, two_object / position / color_attr never.
        // counting:  A p0 [F, F], p1 [T, F] -> 25%;  B p0 [T, T], p1 [T, F] -> 75%.
        // colors:    A p0 [T, T], p1 [T, T] -> 100%; B p0 [T, F], p1 [T, T] -> 75%.
        var a = Report(2, [0, 1], (c, p, s) => c switch
        {
            ShapesCategory.SingleObject => true,
            Counting => p == 1 && s == 0,
            Colors => true,
            _ => false,
        });
        var b = Report(2, [0, 1], (c, p, s) => c switch
        {
            ShapesCategory.SingleObject => true,
            Counting => p == 0 || s == 0,
            Colors => p == 1 || s == 0,
            _ => false,
        });

        var comparison = ShapesPairedBootstrap.Compare(a, b, resamples: 200);

        Assert.Equal((25.0, 75.0, 50.0), (comparison.Categories[Counting].A, comparison.Categories[Counting].B, comparison.Categories[Counting].Difference));
        Assert.Equal((100.0, 75.0, -25.0), (comparison.Categories[Colors].A, comparison.Categories[Colors].B, comparison.Categories[Colors].Difference));
        // Overall: A (100 + 25 + 100) / 6, B (100 + 75 + 75) / 6, difference (50 - 25) / 6: the mean over categories.
        Assert.Equal(225.0 / 6, comparison.Overall.A, 10);
        Assert.Equal(250.0 / 6, comparison.Overall.B, 10);
        Assert.Equal(25.0 / 6, comparison.Overall.Difference, 10);
        Assert.Equal(b.OverallPercent - a.OverallPercent, comparison.Overall.Difference, 10);
        // Seed 0: A counting 50, colors 100; B counting 100, colors 100. Seed 1: A 0, 100; B 50, 50.
        Assert.Equal([250.0 / 6, 200.0 / 6], comparison.SeedOverallA, new ToleranceComparer(1e-10));
        Assert.Equal([300.0 / 6, 200.0 / 6], comparison.SeedOverallB, new ToleranceComparer(1e-10));
        Assert.Equal([0, 1], comparison.Seeds);
        Assert.Equal(12, comparison.PromptCount);
    }

    [Fact]
    public void TwoCountingPromptsOneImproved_ResampleDistributionIsTheEnumeratedOne()
    {
        // One seed; counting has prompts p0 (wrong for both) and p1 (wrong for A, right for B): differences {0, 100}.
        // Two draws with replacement give a counting mean of 0, 50 or 100 with probabilities 1/4, 1/2, 1/4; in every
        // other category A and B agree on each prompt (differences 0), so the overall is the counting mean / 6.
        var a = Report(2, [0], (c, p, _) => c == Counting ? false : p == 0);
        var b = Report(2, [0], (c, p, _) => c == Counting ? p == 1 : p == 0);
        var differences = ShapesPairedBootstrap.PromptDifferences(a, b);
        Assert.Equal([0.0, 100.0], differences[Counting]);

        var (overall, categories) = ShapesPairedBootstrap.Resample(differences, 10_000, seed: 3);

        double Share(double value) => categories[Counting].Count(v => v == value) / 10_000.0;
        Assert.Equal(0.25, Share(0), 0.02);
        Assert.Equal(0.50, Share(50), 0.02);
        Assert.Equal(0.25, Share(100), 0.02);
        Assert.Equal(1.0, Share(0) + Share(50) + Share(100), 10);
        Assert.All(overall.Zip(categories[Counting]), p => Assert.Equal(p.Second / 6, p.First, 10));

        // The 2.5th and 97.5th percentiles fall inside the atoms at 0 and 100 (each a quarter of the mass).
        var comparison = ShapesPairedBootstrap.Compare(a, b, 10_000, seed: 3);
        Assert.Equal((50.0, 0.0, 100.0), (comparison.Categories[Counting].Difference, comparison.Categories[Counting].Lower, comparison.Categories[Counting].Upper));
        Assert.Equal(50.0 / 6, comparison.Overall.Difference, 10);
        Assert.Equal(0.0, comparison.Overall.Lower, 10);
        Assert.Equal(100.0 / 6, comparison.Overall.Upper, 10);
        Assert.Equal((0.0, 0.0), (comparison.Categories[Colors].Lower, comparison.Categories[Colors].Upper));
    }

    [Fact]
    public void SameSeed_ReproducesTheIntervals_AnotherSeedMovesThem()
    {
        var a = Report(6, [0, 1], (c, p, s) => (p * 7 + s + (int)c) % 3 == 0);
        var b = Report(6, [0, 1], (c, p, s) => (p * 5 + s + (int)c) % 2 == 0);

        var first = ShapesPairedBootstrap.Compare(a, b, 2000, seed: 1);
        var again = ShapesPairedBootstrap.Compare(a, b, 2000, seed: 1);
        var other = ShapesPairedBootstrap.Compare(a, b, 500, seed: 2);

        Assert.Equal(first.Overall, again.Overall);
        Assert.Equal(first.Categories.Values, again.Categories.Values);
        Assert.Equal(first.Overall.Difference, other.Overall.Difference);
        // With few prompts the interval ends sit on the same atoms for most seeds; the resamples themselves differ.
        var differences = ShapesPairedBootstrap.PromptDifferences(a, b);
        Assert.False(ShapesPairedBootstrap.Resample(differences, 2000, 1).Overall.SequenceEqual(ShapesPairedBootstrap.Resample(differences, 2000, 2).Overall));
        Assert.InRange(first.Overall.Difference, first.Overall.Lower, first.Overall.Upper);
        Assert.True(first.Overall.Lower < first.Overall.Upper);
    }

    [Fact]
    public void Percentile_InterpolatesBetweenOrderStatistics()
    {
        double[] sorted = [0, 10, 20, 30, 40];
        Assert.Equal(0, ShapesPairedBootstrap.Percentile(sorted, 0));
        Assert.Equal(20, ShapesPairedBootstrap.Percentile(sorted, 0.5));
        Assert.Equal(1, ShapesPairedBootstrap.Percentile(sorted, 0.025), 10); // position 0.1
        Assert.Equal(39, ShapesPairedBootstrap.Percentile(sorted, 0.975), 10); // position 3.9
        Assert.Equal(40, ShapesPairedBootstrap.Percentile(sorted, 1));
    }

    [Fact]
    public void MismatchedReports_AreRefused_SayingHow()
    {
        var a = Report(2, [0, 1], (_, p, _) => p == 0);

        var seeds = Assert.Throws<ArgumentException>(() => ShapesPairedBootstrap.Compare(a, Report(2, [0, 2], (_, p, _) => p == 0)));
        Assert.Contains("different seeds", seeds.Message, StringComparison.Ordinal);

        var fewer = Assert.Throws<ArgumentException>(() => ShapesPairedBootstrap.Compare(a, Report(1, [0, 1], (_, _, _) => true)));
        Assert.Contains("'single_object-1' is in report A but not in report B", fewer.Message, StringComparison.Ordinal);

        var more = Assert.Throws<ArgumentException>(() => ShapesPairedBootstrap.Compare(a, Report(3, [0, 1], (_, _, _) => true)));
        Assert.Contains("'single_object-2' is in report B but not in report A", more.Message, StringComparison.Ordinal);

        // The same ids, but one prompt moved to another category.
        var moved = Judgements(2, [0, 1], (_, _, _) => true)
            .Select(j => j.PromptId == "colors-0" ? j with { Category = ShapesCategory.Position } : j);
        var category = Assert.Throws<ArgumentException>(() => ShapesPairedBootstrap.Compare(a, ShapesReport.FromJudgements(moved)));
        Assert.Contains("'colors-0' is colors in report A but position in report B", category.Message, StringComparison.Ordinal);

        var aggregate = Assert.Throws<ArgumentException>(() => ShapesPairedBootstrap.Compare(a, TestReports.Uniform(50)));
        Assert.Contains("report B has no per-prompt verdicts", aggregate.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => ShapesPairedBootstrap.Compare(a, a, resamples: 0));
    }

    [Fact]
    public void ComparisonTable_ShowsEachCategory_TheOverall_EachSeed_AndTheInterval()
    {
        var a = Report(4, [0, 1, 2, 3], (_, p, s) => (p + s) % 4 == 0);
        var b = Report(4, [0, 1, 2, 3], (_, p, s) => (p + s) % 4 <= 1);

        string table = ShapesComparisonTable.Format(ShapesPairedBootstrap.Compare(a, b, 100, 5), "standard", "chats");

        var lines = table.Split('\n');
        Assert.Equal("A = standard, B = chats", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("counting", StringComparison.Ordinal) && l.EndsWith("25.0    50.0   +25.0  [+25.0, +25.0]", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("overall ", StringComparison.Ordinal) && l.Contains("+25.0  [+25.0, +25.0]", StringComparison.Ordinal));
        Assert.Equal(4, lines.Count(l => l.EndsWith("25.0    50.0   +25.0", StringComparison.Ordinal)));
        Assert.Contains("over 24 prompts", table, StringComparison.Ordinal);
        Assert.Contains("100 resamples, seed 5", table, StringComparison.Ordinal);
        Assert.Contains("overall B - A +25.0, 95% CI +25.0 .. +25.0", table, StringComparison.Ordinal);
    }

    // Prompts "{category}-{i}", perCategory of each, judged under every seed by correct(category, i, seed).
    internal static ShapesReport Report(int perCategory, int[] seeds, Func<ShapesCategory, int, int, bool> correct) =>
        ShapesReport.FromJudgements(Judgements(perCategory, seeds, correct));

    private static List<ShapesJudgement> Judgements(int perCategory, int[] seeds, Func<ShapesCategory, int, int, bool> correct) =>
        [.. from seed in seeds
            from category in ShapesVocabulary.Categories
            from p in Enumerable.Range(0, perCategory)
            select new ShapesJudgement(category, seed, correct(category, p, seed), $"{ShapesVocabulary.CategoryName(category)}-{p}")];

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
