using System.Text.Json;
using Chats.Core.Imaging;
using Chats.Core.Tests;
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

    [Fact]
    public void ScoreFolderJson_CarriesEveryPromptsVerdicts_SoTwoFilesCanBeCompared()
    {
        // Two prompts per category of the public set, rendered (judged correct); B has some images blanked (wrong).
        var entries = ShapesEvalSet.Load(Path.Combine(FixturePaths.DiffusersReference, "..", "..", "shapes-benchmark", "prompts-public.jsonl"))
            .GroupBy(e => e.Category).SelectMany(g => g.Take(2)).ToList();
        int[] seeds = [0, 1];
        string dirA = Path.Combine(_dir, "a");
        string dirB = Path.Combine(_dir, "b");
        ShapesLab.RenderEvalSet(entries, seeds, dirA);
        ShapesLab.RenderEvalSet(entries, seeds, dirB);
        byte[] white = PngEncoder.EncodeRgb(Enumerable.Repeat((byte)255, 64 * 64 * 3).ToArray(), 64, 64);
        var counting = entries.First(e => e.Category == ShapesCategory.Counting);
        var colors = entries.First(e => e.Category == ShapesCategory.Colors);
        File.WriteAllBytes(Path.Combine(dirB, counting.ImageFileName(0)), white);
        File.WriteAllBytes(Path.Combine(dirB, counting.ImageFileName(1)), white);
        File.WriteAllBytes(Path.Combine(dirB, colors.ImageFileName(1)), white);

        var scoredA = ShapesLab.ScoreFolder(entries, dirA, seeds);
        var scoredB = ShapesLab.ScoreFolder(entries, dirB, seeds);
        var a = ShapesReport.ParseJson(scoredA.ToJson());
        Assert.Equal(entries.Count, scoredB.ToJson().Split('\n').Count(l => l.StartsWith("    {\"id\":", StringComparison.Ordinal)));
        var b = ShapesReport.ParseJson(scoredB.ToJson());

        Assert.Equal(entries.Select(e => e.Id), b.Prompts!.Select(p => p.Id));
        Assert.Equal(entries.Select(e => e.Category), b.Prompts!.Select(p => p.Category));
        Assert.Equal(scoredB.Prompts!.Select(p => p.Correct), b.Prompts!.Select(p => p.Correct));
        Assert.Equal([false, false], b.Prompts!.Single(p => p.Id == counting.Id).Correct);
        Assert.Equal([true, false], b.Prompts!.Single(p => p.Id == colors.Id).Correct);
        Assert.Equal(scoredB.OverallPercent, b.OverallPercent);

        // counting: 2 of 4 images lost -> -50 points; colors: 1 of 4 -> -25; overall -75 / 6. Seed 1 loses both.
        var comparison = ShapesPairedBootstrap.Compare(a, b, 1000);
        Assert.Equal(-75.0 / 6, comparison.Overall.Difference, 10);
        Assert.Equal(b.OverallPercent - a.OverallPercent, comparison.Overall.Difference, 10);
        Assert.Equal([100.0, 100.0], comparison.SeedOverallA);
        Assert.Equal(100 - (50.0 / 6), comparison.SeedOverallB[0], 10);
        Assert.Equal(100 - (100.0 / 6), comparison.SeedOverallB[1], 10);
        Assert.True(comparison.Overall.Upper <= 0);
    }

    [Fact]
    public void ToJson_OfAReportWithoutPromptIds_HasNoPromptsField_AndOldFilesReadWithoutVerdicts()
    {
        var anonymous = ShapesReport.FromJudgements(ShapesVocabulary.Categories.Select(c => new ShapesJudgement(c, 0, true)));

        Assert.Null(anonymous.Prompts);
        using var json = JsonDocument.Parse(anonymous.ToJson());
        Assert.False(json.RootElement.TryGetProperty("prompts", out _));
        Assert.Null(TestReports.Uniform(30).Prompts);
        Assert.Throws<InvalidOperationException>(() => anonymous.SeedOverallPercent(0));
    }

    [Theory]
    [InlineData("""[{"id": "x", "category": "counting", "correct": [true]}]""", "1 verdicts for 2 seeds")]
    [InlineData("""[{"id": "x", "category": "counting", "correct": [1, 0]}]""", "array of true / false")]
    [InlineData("""[{"category": "counting", "correct": [true, true]}]""", "'id' is missing")]
    [InlineData("""{"x": 1}""", "'prompts' must be an array")]
    public void ParseJson_BadPrompts_ThrowFormatException_SayingWhat(string prompts, string expected)
    {
        string json = $$"""{"overall": 50, "categories": {"single_object": 50, "two_object": 50, "counting": 50, "colors": 50, "position": 50, "color_attr": 50}, "seeds": [0, 1], "images": 2, "prompts": {{prompts}}}""";

        var e = Assert.Throws<FormatException>(() => ShapesReport.ParseJson(json));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseJson_PromptsThatDisagreeWithTheCategories_OrTheImageCount_AreRefused()
    {
        var report = ShapesPairedBootstrapTests.Report(2, [0, 1], (c, p, s) => p == 0 || s == 1);
        string json = report.ToJson();
        Assert.Equal(report.Prompts!.Select(p => p.Correct), ShapesReport.ParseJson(json).Prompts!.Select(p => p.Correct));

        // Flip one counting verdict: counting's stored 75 no longer matches its prompts (50).
        string flipped = json.Replace("""{"id":"counting-1","category":"counting","correct":[false,true]}""", """{"id":"counting-1","category":"counting","correct":[false,false]}""", StringComparison.Ordinal);
        Assert.NotEqual(json, flipped);
        var e = Assert.Throws<FormatException>(() => ShapesReport.ParseJson(flipped));
        Assert.Contains("counting is 75 but its prompts' verdicts give 50.00", e.Message, StringComparison.Ordinal);

        var images = Assert.Throws<FormatException>(() => ShapesReport.ParseJson(json.Replace("\"images\": 24", "\"images\": 25", StringComparison.Ordinal)));
        Assert.Contains("12 prompts x 2 seeds are not the 25 images", images.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
