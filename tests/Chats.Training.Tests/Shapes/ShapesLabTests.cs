using Chats.Core.Imaging;
using Chats.Core.Tests;
using Chats.Training.Data;
using Chats.Training.Shapes;

namespace Chats.Training.Tests.Shapes;

public sealed class ShapesLabTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "chats-lab-" + Guid.NewGuid().ToString("N"));

    private static string PublicPrompts => Path.Combine(FixturePaths.DiffusersReference, "..", "..", "shapes-benchmark", "prompts-public.jsonl");

    [Fact]
    public void RenderedEvalSet_ScoresOneHundredPercentInEveryCategory()
    {
        var entries = ShapesEvalSet.Load(PublicPrompts);
        int[] seeds = [0, 1];

        ShapesLab.RenderEvalSet(entries, seeds, _dir);
        var report = ShapesLab.ScoreFolder(entries, _dir, seeds);

        Assert.Equal(entries.Count * seeds.Length, report.ImageCount);
        Assert.All(report.CategoryPercent.Values, p => Assert.Equal(100.0, p));
        Assert.Equal(100.0, report.OverallPercent);
    }

    [Fact]
    public void ScoreFolder_BlankImages_ScoreZero_AndAMissingImageIsNamed()
    {
        var entries = ShapesEvalSet.Load(PublicPrompts);
        Directory.CreateDirectory(_dir);
        byte[] white = PngEncoder.EncodeRgb(Enumerable.Repeat((byte)255, 64 * 64 * 3).ToArray(), 64, 64);
        foreach (var entry in entries)
        {
            File.WriteAllBytes(Path.Combine(_dir, entry.ImageFileName(0)), white);
        }

        Assert.Equal(0.0, ShapesLab.ScoreFolder(entries, _dir, [0]).OverallPercent);
        var missing = Assert.Throws<FileNotFoundException>(() => ShapesLab.ScoreFolder(entries, _dir, [1]));
        Assert.Contains("_s1.png", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteTrainingSet_WritesImagesWhoseScenesMatchTheirPrompts()
    {
        ShapesLab.WriteTrainingSet(60, 5, _dir);

        var lines = File.ReadAllLines(Path.Combine(_dir, "train.jsonl"));
        Assert.Equal(60, lines.Length);
        foreach (string line in lines)
        {
            using var json = System.Text.Json.JsonDocument.Parse(line);
            var prompt = ShapesPrompt.Parse(json.RootElement.GetProperty("prompt").GetString()!);
            var image = RgbImageDecoder.Decode(File.ReadAllBytes(Path.Combine(_dir, json.RootElement.GetProperty("image").GetString()!)));
            Assert.True(ShapesScorer.Judge(prompt, image.Rgb), line);
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
