using Chats.Training.Shapes;

namespace Chats.Training.Tests.Shapes;

public sealed class ShapesEvalSetTests
{
    [Fact]
    public void PublicSet_Has48EntriesPerCategory_InFileOrder()
    {
        var entries = ShapesEvalSet.Load(ShapesBenchmarkFiles.PublicPrompts);
        Assert.Equal(288, entries.Count);
        Assert.All(ShapesVocabulary.Categories, c => Assert.Equal(48, entries.Count(e => e.Category == c)));
        Assert.Equal(Enumerable.Range(0, 288), entries.Select(e => e.LineIndex));
        Assert.Equal(("single_object-00", "a square"), (entries[0].Id, entries[0].Prompt.ToText()));
        Assert.Equal(288, entries.Select(e => e.Id).Distinct().Count());
    }

    [Fact]
    public void NoiseSeed_IsSeedTimes100000PlusLine()
    {
        Assert.Equal(0, ShapesEvalSet.NoiseSeed(0, 0));
        Assert.Equal(287, ShapesEvalSet.NoiseSeed(0, 287));
        Assert.Equal(300_017, ShapesEvalSet.NoiseSeed(3, 17));
        Assert.Equal(100_005, new ShapesEvalEntry(5, "x", ShapesCategory.SingleObject, ShapesPrompt.SingleObject(ShapeKind.Circle)).NoiseSeed(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShapesEvalSet.NoiseSeed(0, 100_000));
    }

    [Fact]
    public void ImageFileName_IsIdUnderscoreSeed()
    {
        Assert.Equal("counting-07_s3.png", ShapesEvalSet.ImageFileName("counting-07", 3));
        Assert.Equal([0, 1, 2, 3], ShapesEvalSet.Seeds);
    }

    [Fact]
    public void Load_BadLine_ThrowsNamingFileAndLine()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path,
            [
                """{"id": "a", "category": "single_object", "prompt": "a circle"}""",
                """{"id": "b", "category": "colors", "prompt": "a circle"}""",
            ]);
            var e = Assert.Throws<FormatException>(() => ShapesEvalSet.Load(path));
            Assert.Contains(path + ":2", e.Message, StringComparison.Ordinal);

            File.WriteAllLines(path, ["""{"id": "a", "category": "single_object", "prompt": "a hexagon"}"""]);
            e = Assert.Throws<FormatException>(() => ShapesEvalSet.Load(path));
            Assert.Contains("'a hexagon'", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
