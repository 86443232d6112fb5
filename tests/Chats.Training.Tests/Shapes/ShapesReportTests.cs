using Chats.Training.Shapes;

namespace Chats.Training.Tests.Shapes;

public sealed class ShapesReportTests
{
    [Fact]
    public void Overall_IsTheMeanOfTheSixCategories_EachAveragedOverSeeds()
    {
        // Seed 0: single 2/2, two 1/2, counting 0/2, colors 1/4, position 1/1, color_attr 0/1.
        // Seed 1: single 1/2, two 2/2, counting 1/2, colors 3/4, position 0/1, color_attr 1/1.
        var j = new List<ShapesJudgement>();
        void Add(ShapesCategory c, int seed, int correct, int total)
        {
            for (int i = 0; i < total; i++)
            {
                j.Add(new ShapesJudgement(c, seed, i < correct));
            }
        }

        Add(ShapesCategory.SingleObject, 0, 2, 2);
        Add(ShapesCategory.TwoObject, 0, 1, 2);
        Add(ShapesCategory.Counting, 0, 0, 2);
        Add(ShapesCategory.Colors, 0, 1, 4);
        Add(ShapesCategory.Position, 0, 1, 1);
        Add(ShapesCategory.ColorAttr, 0, 0, 1);
        Add(ShapesCategory.SingleObject, 1, 1, 2);
        Add(ShapesCategory.TwoObject, 1, 2, 2);
        Add(ShapesCategory.Counting, 1, 1, 2);
        Add(ShapesCategory.Colors, 1, 3, 4);
        Add(ShapesCategory.Position, 1, 0, 1);
        Add(ShapesCategory.ColorAttr, 1, 1, 1);

        var report = ShapesReport.FromJudgements(j);

        // Per category: (100 + 50)/2 = 75, (50 + 100)/2 = 75, (0 + 50)/2 = 25, (25 + 75)/2 = 50, (100 + 0)/2 = 50, (0 + 100)/2 = 50.
        Assert.Equal(75, report.CategoryPercent[ShapesCategory.SingleObject], 10);
        Assert.Equal(75, report.CategoryPercent[ShapesCategory.TwoObject], 10);
        Assert.Equal(25, report.CategoryPercent[ShapesCategory.Counting], 10);
        Assert.Equal(50, report.CategoryPercent[ShapesCategory.Colors], 10);
        Assert.Equal(50, report.CategoryPercent[ShapesCategory.Position], 10);
        Assert.Equal(50, report.CategoryPercent[ShapesCategory.ColorAttr], 10);
        // (75 + 75 + 25 + 50 + 50 + 50) / 6 = 325 / 6.
        Assert.Equal(325.0 / 6, report.OverallPercent, 10);
        Assert.Equal([0, 1], report.Seeds);
        Assert.Equal(24, report.ImageCount);
        Assert.Equal(
            "single_object 75.0, two_object 75.0, counting 25.0, colors 50.0, position 50.0, color_attr 50.0, overall 54.2%",
            report.Format());
    }

    [Fact]
    public void Overall_IsNotThePooledImageAccuracy()
    {
        // 48 single_object images all correct and one wrong image in each other category: pooled would be 48/53.
        var j = Enumerable.Range(0, 48).Select(_ => new ShapesJudgement(ShapesCategory.SingleObject, 0, true)).ToList();
        j.AddRange(ShapesVocabulary.Categories.Skip(1).Select(c => new ShapesJudgement(c, 0, false)));
        Assert.Equal(100.0 / 6, ShapesReport.FromJudgements(j).OverallPercent, 10);
    }

    [Fact]
    public void MissingCategory_Throws_NamingIt()
    {
        var j = ShapesVocabulary.Categories.Where(c => c != ShapesCategory.Position).Select(c => new ShapesJudgement(c, 0, true));
        var e = Assert.Throws<ArgumentException>(() => ShapesReport.FromJudgements(j));
        Assert.Contains("position", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ShapesReport.FromJudgements([]));
    }
}
