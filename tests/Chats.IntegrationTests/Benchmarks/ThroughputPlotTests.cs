using Chats.Cli.Benchmarks;
using SkiaSharp;

namespace Chats.IntegrationTests.Benchmarks;

public sealed class ThroughputPlotTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "chats-plot-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void TwoSeries_WriteAPngWithBothLinesAcrossThePlot_TheFasterAbove()
    {
        int[] concurrency = [1, 2, 4, 8, 16, 32];
        var batching = new ThroughputSeries("CHATS, batching on", [.. concurrency.Select(c => new ThroughputPoint(c, 2.0 * Math.Log2(2 * c)))]);
        var serial = new ThroughputSeries("CHATS, batching off", [.. concurrency.Select(c => new ThroughputPoint(c, 1.5))]);
        string path = Path.Combine(_dir, "nested", "throughput.png");

        ThroughputPlot.Write("serve throughput", [batching, serial], path, 800, 480);

        using var bitmap = SKBitmap.Decode(path);
        Assert.NotNull(bitmap);
        Assert.Equal((800, 480), (bitmap.Width, bitmap.Height));
        var area = ThroughputPlot.PlotArea(800, 480);
        var first = Rows(bitmap, area, ThroughputPlot.SeriesColors[0]);
        var second = Rows(bitmap, area, ThroughputPlot.SeriesColors[1]);

        // A line from concurrency 1 to 32 crosses almost every column of the plot area; markers alone would not.
        Assert.InRange(first.Count, area.Width * 8 / 10, area.Width);
        Assert.InRange(second.Count, area.Width * 8 / 10, area.Width);
        // Near the right end the growing series (12 images/s, the top of the axis) is far above the flat one (1.5).
        int right = first.Keys.Intersect(second.Keys).Max();
        Assert.True(first[right] + 100 < second[right], $"rows {first[right]} and {second[right]} at column {right}");
        // The flat series is one horizontal line.
        Assert.InRange(second.Values.Max() - second.Values.Min(), 0, 4);
    }

    [Fact]
    public void NegativeOrRepeatedPoints_AreRefused()
    {
        var negative = new ThroughputSeries("a", [new ThroughputPoint(1, -1)]);
        var repeated = new ThroughputSeries("b", [new ThroughputPoint(2, 1), new ThroughputPoint(2, 3)]);
        var zero = new ThroughputSeries("c", [new ThroughputPoint(0, 1)]);

        Assert.Contains("images/s", Assert.Throws<ArgumentException>(() => ThroughputPlot.RenderPng("t", [negative])).Message, StringComparison.Ordinal);
        Assert.Contains("repeats", Assert.Throws<ArgumentException>(() => ThroughputPlot.RenderPng("t", [repeated])).Message, StringComparison.Ordinal);
        Assert.Contains("below 1", Assert.Throws<ArgumentException>(() => ThroughputPlot.RenderPng("t", [zero])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ThroughputPlot.RenderPng("t", []));
    }

    [Fact]
    public void Ticks_CoverTheData_PowersOfTwoAndNiceStepsFromZero()
    {
        Assert.Equal([1, 2, 4, 8, 16, 32], ThroughputPlot.ConcurrencyTicks(32));
        Assert.Equal([1, 2, 4, 8, 16, 32], ThroughputPlot.ConcurrencyTicks(17));
        Assert.Equal([1, 2], ThroughputPlot.ConcurrencyTicks(1));
        Assert.Equal([0, 2, 4, 6, 8, 10], ThroughputPlot.ThroughputTicks(8.6));
        Assert.Equal([0, 0.2, 0.4, 0.6, 0.8, 1], ThroughputPlot.ThroughputTicks(0));
    }

    /// <summary>Per column of the plot area that holds the colour exactly, the mean row of those pixels.</summary>
    private static Dictionary<int, double> Rows(SKBitmap bitmap, SKRectI area, SKColor color)
    {
        var rows = new Dictionary<int, double>();
        for (int x = area.Left + 2; x < area.Right; x++)
        {
            var hits = Enumerable.Range(area.Top, area.Height).Where(y => bitmap.GetPixel(x, y) == color).ToList();
            if (hits.Count > 0)
            {
                rows[x] = hits.Average();
            }
        }

        return rows;
    }
}
