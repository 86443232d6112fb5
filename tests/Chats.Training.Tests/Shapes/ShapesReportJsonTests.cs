using System.Text.Json;
using Chats.Training.Shapes;

namespace Chats.Training.Tests.Shapes;

public sealed class ShapesReportJsonTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "chats-report-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void ToJson_ParseJson_RoundTripsEveryNumberExactly()
    {
        // Thirds and sevenths: percentages with no short decimal form, which a lossy writer would change.
        var judgements = new List<ShapesJudgement>();
        foreach (int seed in new[] { 0, 2 })
        {
            for (int c = 0; c < 6; c++)
            {
                int total = c % 2 == 0 ? 3 : 7;
                for (int i = 0; i < total; i++)
                {
                    judgements.Add(new ShapesJudgement(ShapesVocabulary.Categories[c], seed, i < 1 + c + seed));
                }
            }
        }

        var report = ShapesReport.FromJudgements(judgements);
        var back = ShapesReport.ParseJson(report.ToJson());

        Assert.Equal(report.OverallPercent, back.OverallPercent);
        foreach (var category in ShapesVocabulary.Categories)
        {
            Assert.Equal(report.CategoryPercent[category], back.CategoryPercent[category]);
        }

        Assert.Equal([0, 2], back.Seeds);
        Assert.Equal(report.ImageCount, back.ImageCount);
        Assert.Equal(report.Format(), back.Format());
    }

    [Fact]
    public void ToJson_HasTheDocumentedShape_CategoriesInSpecOrder()
    {
        var report = TestReports.WithCategories(75, 75, 25, 50, 50, 50);

        using var json = JsonDocument.Parse(report.ToJson());
        var root = json.RootElement;

        Assert.Equal(["overall", "categories", "seeds", "images"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(325.0 / 6, root.GetProperty("overall").GetDouble(), 12);
        Assert.Equal(
            ["single_object", "two_object", "counting", "colors", "position", "color_attr"],
            root.GetProperty("categories").EnumerateObject().Select(p => p.Name));
        Assert.Equal(25, root.GetProperty("categories").GetProperty("counting").GetDouble());
        Assert.Equal([0, 1, 2, 3], root.GetProperty("seeds").EnumerateArray().Select(s => s.GetInt32()));
        Assert.Equal(1152, root.GetProperty("images").GetInt32());
    }

    [Fact]
    public void ParseJson_AcceptsHandWrittenOneDecimalValues()
    {
        // Mean of the rounded categories 54.15; the rounded overall 54.2 is within the rounding tolerance.
        const string json = """
            {"overall": 54.2, "categories": {"single_object": 75.0, "two_object": 75.0, "counting": 24.9,
             "colors": 50.0, "position": 50.0, "color_attr": 50.0}, "seeds": [0, 1, 2, 3], "images": 1152}
            """;

        var report = ShapesReport.ParseJson(json);

        Assert.Equal(54.2, report.OverallPercent);
        Assert.Equal(24.9, report.CategoryPercent[ShapesCategory.Counting]);
    }

    [Theory]
    [InlineData("""{"overall": 50, "categories": {"single_object": 50, "two_object": 50, "counting": 50, "colors": 50, "color_attr": 50}, "seeds": [0], "images": 1}""", "position")]
    [InlineData("""{"overall": 50, "categories": {"single_object": 50, "two_object": 50, "counting": 50, "colors": 50, "position": 50, "color_attr": 50, "shading": 50}, "seeds": [0], "images": 1}""", "shading")]
    [InlineData("""{"overall": 60, "categories": {"single_object": 50, "two_object": 50, "counting": 50, "colors": 50, "position": 50, "color_attr": 50}, "seeds": [0], "images": 1}""", "not the mean")]
    [InlineData("""{"overall": 50, "categories": {"single_object": 50, "two_object": 50, "counting": 50, "colors": 50, "position": 150, "color_attr": 50}, "seeds": [0], "images": 1}""", "position")]
    [InlineData("""{"overall": 50, "categories": {"single_object": 50, "two_object": 50, "counting": 50, "colors": 50, "position": 50, "color_attr": 50}, "images": 1}""", "'seeds' is missing")]
    [InlineData("""{"overall": "50", "categories": {}, "seeds": [0], "images": 1}""", "'overall' must be a number")]
    [InlineData("""{"overall": 50, "categories": {"single_object": 50, "two_object": 50, "counting": 50, "colors": 50, "position": 50, "color_attr": 50}, "seeds": [0.5], "images": 1}""", "'seeds' must hold integers")]
    [InlineData("""{"overall": 50,""", "not valid JSON")]
    [InlineData("""[1, 2]""", "object")]
    public void ParseJson_BadReport_ThrowsFormatException_SayingWhat(string json, string expected)
    {
        var e = Assert.Throws<FormatException>(() => ShapesReport.ParseJson(json));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadJsonFile_NamesTheFile_WhenItIsNotAReport()
    {
        Directory.CreateDirectory(_dir);
        string good = Path.Combine(_dir, "good.json");
        string bad = Path.Combine(_dir, "bad.json");
        File.WriteAllText(good, TestReports.Uniform(40).ToJson());
        File.WriteAllText(bad, "{\"overall\": 1}");

        Assert.Equal(40, ShapesReport.ReadJsonFile(good).OverallPercent);
        var e = Assert.Throws<FormatException>(() => ShapesReport.ReadJsonFile(bad));
        Assert.StartsWith(bad + ":", e.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
