using Chats.Core.Imaging;
using Chats.Training.Data;
using Chats.Training.Shapes;

namespace Chats.Training.Tests.Shapes;

public sealed class ShapesImageGridTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "chats-grid-" + Guid.NewGuid().ToString("N"));

    private static readonly ShapesEvalEntry[] s_rows =
    [
        new(0, "single_object-00", ShapesCategory.SingleObject, ShapesPrompt.Parse("a square")),
        new(1, "color_attr-07", ShapesCategory.ColorAttr, ShapesPrompt.Parse("a red circle and a blue triangle")),
    ];

    [Fact]
    public void RenderPng_SizeFollowsTheLayout_AndEachCellIsItsImageUpscaledByNearestNeighbour()
    {
        var columns = new[] { Column("Standard+CFG", 1), Column("CHATS", 2) };
        var layout = new ShapesGridLayout(Scale: 3);

        var grid = RgbImageDecoder.Decode(ShapesImageGrid.RenderPng(s_rows, columns, seed: 0, layout));

        // Label column, then per column a gap and a 64·3 cell, then a closing gap; header row, then per row a cell and a gap.
        Assert.Equal(layout.LabelWidth + (2 * ((64 * 3) + layout.Gap)) + layout.Gap, grid.Width);
        Assert.Equal(layout.HeaderHeight + (2 * ((64 * 3) + layout.Gap)), grid.Height);
        for (int r = 0; r < s_rows.Length; r++)
        {
            for (int c = 0; c < columns.Length; c++)
            {
                var source = RgbImageDecoder.Decode(File.ReadAllBytes(Path.Combine(columns[c].Folder, s_rows[r].ImageFileName(0))));
                for (int y = 0; y < 64 * 3; y++)
                {
                    for (int x = 0; x < 64 * 3; x++)
                    {
                        int s = (((y / 3) * 64) + (x / 3)) * 3;
                        int g = (((layout.CellTop(r) + y) * grid.Width) + layout.CellLeft(c) + x) * 3;
                        if (grid.Rgb[g] != source.Rgb[s] || grid.Rgb[g + 1] != source.Rgb[s + 1] || grid.Rgb[g + 2] != source.Rgb[s + 2])
                        {
                            Assert.Fail($"row {r} column {c}: grid pixel ({x}, {y}) of the cell is not source pixel ({x / 3}, {y / 3})");
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void RenderPng_DrawsTheRowLabelsAndColumnHeaders()
    {
        var layout = new ShapesGridLayout(Scale: 2);

        var grid = RgbImageDecoder.Decode(ShapesImageGrid.RenderPng(s_rows, [Column("CHATS", 1)], seed: 0, layout));

        Assert.True(CountDark(grid, 0, layout.CellTop(0), layout.LabelWidth, grid.Height) > 200, "no prompt text in the label column");
        Assert.True(CountDark(grid, layout.CellLeft(0), 0, grid.Width, layout.HeaderHeight) > 50, "no header text");
    }

    [Fact]
    public void RenderPng_MissingImage_ThrowsNamingTheFile()
    {
        var present = Column("A", 1);
        var gappy = Column("B", 2);
        string missing = Path.Combine(gappy.Folder, "color_attr-07_s0.png");
        File.Delete(missing);

        var e = Assert.Throws<FileNotFoundException>(() => ShapesImageGrid.RenderPng(s_rows, [present, gappy], seed: 0, new ShapesGridLayout()));

        Assert.Equal(missing, e.FileName);
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
        // Another seed: every file is missing; the first is named and the rest counted.
        var all = Assert.Throws<FileNotFoundException>(() => ShapesImageGrid.RenderPng(s_rows, [present], seed: 1, new ShapesGridLayout()));
        Assert.Contains("single_object-00_s1.png", all.Message, StringComparison.Ordinal);
        Assert.Contains("1 more", all.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RenderPng_ImageOfTheWrongSize_ThrowsNamingIt()
    {
        var column = Column("A", 1);
        string path = Path.Combine(column.Folder, "single_object-00_s0.png");
        File.WriteAllBytes(path, PngEncoder.EncodeRgb(new byte[32 * 32 * 3], 32, 32));

        var e = Assert.Throws<InvalidDataException>(() => ShapesImageGrid.RenderPng(s_rows, [column], seed: 0, new ShapesGridLayout()));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("32x32", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SelectRows_KeepsTheGivenOrder_AndNamesUnknownIds()
    {
        Assert.Equal(["color_attr-07", "single_object-00"], ShapesImageGrid.SelectRows(s_rows, ["color_attr-07", "single_object-00"]).Select(e => e.Id));

        var e = Assert.Throws<ArgumentException>(() => ShapesImageGrid.SelectRows(s_rows, ["single_object-00", "counting-99"]));
        Assert.Contains("counting-99", e.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    /// <summary>A folder with a random-noise 64×64 image for every row at seed 0: every pixel differs from its neighbours.</summary>
    private ShapesGridColumn Column(string header, int seed)
    {
        string folder = Path.Combine(_dir, header);
        Directory.CreateDirectory(folder);
        var random = new Random(seed);
        foreach (var row in s_rows)
        {
            var rgb = new byte[64 * 64 * 3];
            random.NextBytes(rgb);
            File.WriteAllBytes(Path.Combine(folder, row.ImageFileName(0)), PngEncoder.EncodeRgb(rgb, 64, 64));
        }

        return new ShapesGridColumn(header, folder);
    }

    private static int CountDark(RgbImage image, int x0, int y0, int x1, int y1)
    {
        int count = 0;
        for (int y = y0; y < y1; y++)
        {
            for (int x = x0; x < x1; x++)
            {
                int i = ((y * image.Width) + x) * 3;
                count += image.Rgb[i] < 100 && image.Rgb[i + 1] < 100 && image.Rgb[i + 2] < 100 ? 1 : 0;
            }
        }

        return count;
    }
}
