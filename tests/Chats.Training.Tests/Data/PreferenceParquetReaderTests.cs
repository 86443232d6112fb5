using Chats.Training.Data;
using Parquet;
using Parquet.Schema;

namespace Chats.Training.Tests.Data;

public sealed class PreferenceParquetReaderTests
{
    private static readonly string[] s_prompts = ["a red cube", "ein grüner Kegel", "a blue sphere"];

    /// <summary>The published layout: image columns are HF datasets Image structs {bytes, path}; two row groups (2 + 1 rows).</summary>
    private static async Task WriteStructLayout(string path)
    {
        var schema = new ParquetSchema(
            new DataField<string>("prompt"),
            new StructField("chosen", new DataField<byte[]>("bytes"), new DataField<string>("path")),
            new StructField("rejected", new DataField<byte[]>("bytes"), new DataField<string>("path")),
            new DataField<string>("chosen_model"));
        var fields = schema.GetDataFields();
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream);
        foreach (var rows in new[] { new[] { 0, 1 }, new[] { 2 } })
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(fields[0], rows.Select(r => s_prompts[r]).ToArray());
            await group.WriteAsync(fields[1], rows.Select(r => TestImages.Png(TestImages.ForRow(r, true))).ToArray());
            await group.WriteAsync(fields[2], rows.Select(r => r == 1 ? null! : $"chosen-{r}.png").ToArray());
            await group.WriteAsync(fields[3], rows.Select(r => TestImages.Png(TestImages.ForRow(r, false))).ToArray());
            await group.WriteAsync(fields[4], rows.Select(r => $"rejected-{r}.png").ToArray());
            await group.WriteAsync(fields[5], rows.Select(r => $"model-{r}").ToArray());
        }
    }

    /// <summary>The plain layout: image columns are binary; one row group.</summary>
    private static async Task WriteBinaryLayout(string path, bool withRejected = true, byte[]? badChosenRow1 = null)
    {
        var fieldsList = new List<Field> { new DataField<byte[]>("chosen"), new DataField<string>("prompt") };
        if (withRejected)
        {
            fieldsList.Add(new DataField<byte[]>("rejected"));
        }

        var schema = new ParquetSchema(fieldsList);
        var fields = schema.GetDataFields();
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream);
        using var group = writer.CreateRowGroup();
        int[] rows = [0, 1, 2];
        await group.WriteAsync(fields[0], rows.Select(r => r == 1 && badChosenRow1 is not null ? badChosenRow1 : TestImages.Png(TestImages.ForRow(r, true))).ToArray());
        await group.WriteAsync(fields[1], rows.Select(r => s_prompts[r]).ToArray());
        if (withRejected)
        {
            await group.WriteAsync(fields[2], rows.Select(r => TestImages.Png(TestImages.ForRow(r, false))).ToArray());
        }
    }

    private static void AssertThreeRows(IReadOnlyList<PreferencePair> read)
    {
        Assert.Equal(3, read.Count);
        for (int r = 0; r < 3; r++)
        {
            Assert.Equal(s_prompts[r], read[r].Prompt);
            Assert.Equal(TestImages.ForRow(r, true).Rgb, read[r].Chosen.Rgb);
            Assert.Equal(TestImages.ForRow(r, false).Rgb, read[r].Rejected.Rgb);
            Assert.Equal((4, 3), (read[r].Chosen.Width, read[r].Chosen.Height));
            Assert.Equal(r.ToString(), read[r].Id);
        }
    }

    [Fact]
    public async Task StructLayout_ReadsPromptsAndPixelsAcrossRowGroups()
    {
        using var temp = new TempFolder();
        string path = temp.Combine("train-00000-of-00001.parquet");
        await WriteStructLayout(path);

        var read = new PreferenceParquetReader(path).ReadAll();

        AssertThreeRows(read);
        Assert.Equal("model-1", read[1].Metadata["chosen_model"]);
        Assert.Single(read[1].Metadata);
    }

    [Fact]
    public async Task BinaryLayout_ReadsPromptsAndPixels()
    {
        using var temp = new TempFolder();
        string path = temp.Combine("plain.parquet");
        await WriteBinaryLayout(path);

        var read = new List<PreferencePair>();
        await foreach (var pair in new PreferenceParquetReader(path).ReadAsync(TestContext.Current.CancellationToken))
        {
            read.Add(pair);
        }

        AssertThreeRows(read);
        Assert.Empty(read[0].Metadata);
    }

    [Fact]
    public async Task Resolution_ResizesBothImages()
    {
        using var temp = new TempFolder();
        string path = temp.Combine("plain.parquet");
        await WriteBinaryLayout(path);

        var read = new PreferenceParquetReader(path, resolution: 2).ReadAll();

        Assert.All(read, p => Assert.Equal((2, 2, 2, 2), (p.Chosen.Width, p.Chosen.Height, p.Rejected.Width, p.Rejected.Height)));
    }

    [Fact]
    public async Task MissingColumn_NamesFileAndColumn()
    {
        using var temp = new TempFolder();
        string path = temp.Combine("no-rejected.parquet");
        await WriteBinaryLayout(path, withRejected: false);

        var e = Assert.Throws<PreferenceDataException>(() => new PreferenceParquetReader(path).ReadAll());

        Assert.Equal("rejected", e.Column);
        Assert.Equal(path, e.FilePath);
        Assert.Contains("no-rejected.parquet", e.Message, StringComparison.Ordinal);
        Assert.Contains("'rejected': missing column", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongColumnType_NamesFileAndColumn()
    {
        using var temp = new TempFolder();
        string path = temp.Combine("wrong.parquet");
        var schema = new ParquetSchema(new DataField<string>("prompt"), new DataField<string>("chosen"), new DataField<byte[]>("rejected"));
        var fields = schema.GetDataFields();
        await using (var stream = File.Create(path))
        {
            await using var writer = await ParquetWriter.CreateAsync(schema, stream, cancellationToken: TestContext.Current.CancellationToken);
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(fields[0], new[] { "p" });
            await group.WriteAsync(fields[1], new[] { "images/a.png" });
            await group.WriteAsync(fields[2], new[] { TestImages.Png(TestImages.ForRow(0, false)) });
        }

        var e = Assert.Throws<PreferenceDataException>(() => new PreferenceParquetReader(path).ReadAll());

        Assert.Equal("chosen", e.Column);
        Assert.Contains("wrong.parquet", e.Message, StringComparison.Ordinal);
        Assert.Contains("wrong column type", e.Message, StringComparison.Ordinal);
        Assert.Contains("found string", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UndecodableCell_NamesColumnAndRow()
    {
        using var temp = new TempFolder();
        string path = temp.Combine("bad-cell.parquet");
        await WriteBinaryLayout(path, badChosenRow1: [1, 2, 3]);

        var e = Assert.Throws<PreferenceDataException>(() => new PreferenceParquetReader(path).ReadAll());

        Assert.Equal("chosen", e.Column);
        Assert.Contains("row 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotParquet_NamesFile()
    {
        using var temp = new TempFolder();
        string path = temp.Combine("text.parquet");
        await File.WriteAllTextAsync(path, "this is not a parquet file at all", TestContext.Current.CancellationToken);

        var e = Assert.Throws<PreferenceDataException>(() => new PreferenceParquetReader(path).ReadAll());

        Assert.Contains("text.parquet", e.Message, StringComparison.Ordinal);
    }
}
