using Chats.Training.Data;

namespace Chats.Training.Tests.Data;

public sealed class PreferenceFolderTests
{
    private static PreferencePair[] SamplePairs() =>
    [
        new("a red cube", TestImages.ForRow(0, true), TestImages.ForRow(0, false)) { Id = "p0" },
        new("ein grüner Kegel, \"quoted\"\nsecond line", TestImages.ForRow(1, true), TestImages.ForRow(1, false))
        {
            Metadata = new Dictionary<string, string> { ["chosen_model"] = "dev", ["rejected_model"] = "sd" },
        },
        new("a blue sphere", TestImages.ForRow(2, true), TestImages.ForRow(2, false)),
    ];

    private static void WritePairs(string folder, IEnumerable<PreferencePair> pairs)
    {
        using var writer = new PreferenceFolderWriter(folder);
        foreach (var pair in pairs)
        {
            writer.Write(pair);
        }
    }

    [Fact]
    public void WriterThenReader_RoundTripsPromptsPixelsIdsAndMetadata()
    {
        using var temp = new TempFolder();
        var pairs = SamplePairs();
        WritePairs(temp.Path, pairs);

        var read = new PreferenceFolderReader(temp.Path).ReadAll();

        Assert.Equal(3, read.Count);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(pairs[i].Prompt, read[i].Prompt);
            Assert.Equal(pairs[i].Chosen.Rgb, read[i].Chosen.Rgb);
            Assert.Equal(pairs[i].Rejected.Rgb, read[i].Rejected.Rgb);
            Assert.Equal((4, 3), (read[i].Chosen.Width, read[i].Chosen.Height));
            Assert.Equal(pairs[i].Id, read[i].Id);
            Assert.Equal(pairs[i].Metadata, read[i].Metadata);
        }

        Assert.True(File.Exists(temp.Combine("images/000001-rejected.png")));
        Assert.Equal(3, File.ReadAllLines(temp.Combine("pairs.jsonl")).Length);
    }

    [Fact]
    public void Reader_HandWrittenLinesWithBlankLinesAndJpeg_AreRead()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp.Combine("img"));
        File.WriteAllBytes(temp.Combine("img/a.png"), TestImages.Png(TestImages.Solid(10, 6, 10, 20, 30)));
        File.WriteAllBytes(temp.Combine("img/b.png"), TestImages.Png(TestImages.Solid(6, 10, 40, 50, 60)));
        File.WriteAllText(
            temp.Combine("pairs.jsonl"),
            "\n{\"prompt\": \"x\", \"chosen\": \"img/a.png\", \"rejected\": \"img/b.png\", \"id\": 7, \"score\": 0.5}\n\n");

        var read = new PreferenceFolderReader(temp.Path, resolution: 4).ReadAll();

        var pair = Assert.Single(read);
        Assert.Equal("7", pair.Id);
        Assert.Empty(pair.Metadata);
        Assert.Equal((4, 4), (pair.Chosen.Width, pair.Chosen.Height));
        Assert.Equal((4, 4), (pair.Rejected.Width, pair.Rejected.Height));
        Assert.Equal(((byte)10, (byte)20, (byte)30), pair.Chosen.GetPixel(3, 3));
        Assert.Equal(((byte)40, (byte)50, (byte)60), pair.Rejected.GetPixel(0, 0));
    }

    [Fact]
    public void Reader_BadJson_NamesFileAndLine()
    {
        using var temp = new TempFolder();
        WritePairs(temp.Path, SamplePairs().Take(1));
        File.AppendAllText(temp.Combine("pairs.jsonl"), "{\"prompt\": \"broken\", \n");

        var e = Assert.Throws<PreferenceDataException>(() => new PreferenceFolderReader(temp.Path).ReadAll());

        Assert.Equal(2, e.Line);
        Assert.Contains("pairs.jsonl:2", e.Message, StringComparison.Ordinal);
        Assert.Contains("bad JSON", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reader_MissingField_NamesLineAndField()
    {
        using var temp = new TempFolder();
        WritePairs(temp.Path, SamplePairs());
        var lines = File.ReadAllLines(temp.Combine("pairs.jsonl"));
        lines[2] = "{\"prompt\": \"no rejected\", \"chosen\": \"images/000002-chosen.png\"}";
        File.WriteAllLines(temp.Combine("pairs.jsonl"), lines);

        var e = Assert.Throws<PreferenceDataException>(() => new PreferenceFolderReader(temp.Path).ReadAll());

        Assert.Equal(3, e.Line);
        Assert.Equal("rejected", e.Column);
        Assert.Contains("pairs.jsonl:3: 'rejected': missing field", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reader_MissingImage_NamesLineAndImagePath()
    {
        using var temp = new TempFolder();
        WritePairs(temp.Path, SamplePairs());
        File.Delete(temp.Combine("images/000001-chosen.png"));

        var e = Assert.Throws<PreferenceDataException>(() => new PreferenceFolderReader(temp.Path).ReadAll());

        Assert.Equal(2, e.Line);
        Assert.Contains("pairs.jsonl:2", e.Message, StringComparison.Ordinal);
        Assert.Contains("images/000001-chosen.png", e.Message, StringComparison.Ordinal);
        Assert.Contains("not found", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reader_UndecodableImage_NamesLineAndImagePath()
    {
        using var temp = new TempFolder();
        WritePairs(temp.Path, SamplePairs());
        File.WriteAllText(temp.Combine("images/000000-rejected.png"), "not a png");

        var e = Assert.Throws<PreferenceDataException>(() => new PreferenceFolderReader(temp.Path).ReadAll());

        Assert.Equal(1, e.Line);
        Assert.Contains("images/000000-rejected.png", e.Message, StringComparison.Ordinal);
        Assert.Contains("not a decodable image", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reader_PathOutsideFolder_IsRefused()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.Combine("pairs.jsonl"), "{\"prompt\": \"x\", \"chosen\": \"../a.png\", \"rejected\": \"b.png\"}\n");

        var e = Assert.Throws<PreferenceDataException>(() => new PreferenceFolderReader(temp.Path).ReadAll());

        Assert.Contains("leaves the folder", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reader_NoPairsFile_NamesIt()
    {
        using var temp = new TempFolder();
        var e = Assert.Throws<PreferenceDataException>(() => new PreferenceFolderReader(temp.Path).ReadAll());
        Assert.Contains("pairs.jsonl", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Writer_ExistingPairsFile_IsNotOverwritten()
    {
        using var temp = new TempFolder();
        WritePairs(temp.Path, SamplePairs().Take(1));
        Assert.Throws<IOException>(() => new PreferenceFolderWriter(temp.Path));
    }

    [Fact]
    public void Writer_MetadataKeyCollidingWithAField_Throws()
    {
        using var temp = new TempFolder();
        using var writer = new PreferenceFolderWriter(temp.Path);
        var pair = SamplePairs()[0] with { Metadata = new Dictionary<string, string> { ["prompt"] = "x" } };
        Assert.Throws<ArgumentException>(() => writer.Write(pair));
    }
}
