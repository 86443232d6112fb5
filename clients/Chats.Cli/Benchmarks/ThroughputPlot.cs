using System.Globalization;
using Chats.Training.Shapes;
using SkiaSharp;

namespace Chats.Cli.Benchmarks;

/// <summary>
/// The serving benchmark's chart: images/s against concurrent generations, one line per configuration. Concurrency is
/// on a log2 axis because the benchmark doubles it (1, 2, 4, …), which a linear axis would crowd into the left edge;
/// images/s starts at 0 so that heights compare as ratios. The legend sits right of the plot area so it never covers a line.
/// </summary>
internal static class ThroughputPlot
{
    public const int DefaultWidth = 900;

    public const int DefaultHeight = 540;

    private const int MarginLeft = 76;
    private const int MarginTop = 48;
    private const int MarginBottom = 62;
    private const int LegendWidth = 230;
    private const float TextSize = 14;
    private const float LineWidth = 2.5f;
    private const float MarkerRadius = 4.5f;

    /// <summary>The series colours, in order (matplotlib's tab10: distinct and familiar); more series than colours reuse them.</summary>
    public static IReadOnlyList<SKColor> SeriesColors { get; } =
    [
        new(0x1f, 0x77, 0xb4), new(0xff, 0x7f, 0x0e), new(0x2c, 0xa0, 0x2c), new(0xd6, 0x27, 0x28), new(0x94, 0x67, 0xbd),
        new(0x8c, 0x56, 0x4b), new(0xe3, 0x77, 0xc2), new(0x7f, 0x7f, 0x7f), new(0xbc, 0xbd, 0x22), new(0x17, 0xbe, 0xcf),
    ];

    /// <summary>The rectangle the axes enclose in an image of the given size; the data are drawn inside it.</summary>
    public static SKRectI PlotArea(int width, int height) => new(MarginLeft, MarginTop, width - LegendWidth, height - MarginBottom);

    /// <summary>Draws the chart and writes it as a PNG file at <paramref name="path"/> (creating its folder).</summary>
    /// <exception cref="ArgumentException">No series, a series without points, a concurrency below 1 or repeated within a series, or images/s negative or not finite.</exception>
    public static void Write(string title, IReadOnlyList<ThroughputSeries> series, string path, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] png = RenderPng(title, series, width, height);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        File.WriteAllBytes(path, png);
    }

    /// <summary>Draws the chart and returns it as PNG bytes (see <see cref="Write"/> for what is refused).</summary>
    public static byte[] RenderPng(string title, IReadOnlyList<ThroughputSeries> series, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(series);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 520);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 300);
        var sorted = Validate(series);

        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            Draw(canvas, width, PlotArea(width, height), title, series, sorted);
            canvas.Flush();
        }

        using var encoded = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return encoded.ToArray();
    }

    /// <summary>The powers of two from 1 up to the first one at or above <paramref name="maxConcurrency"/> (at least 1, 2).</summary>
    internal static IReadOnlyList<int> ConcurrencyTicks(int maxConcurrency)
    {
        var ticks = new List<int> { 1, 2 };
        while (ticks[^1] < maxConcurrency)
        {
            ticks.Add(ticks[^1] * 2);
        }

        return ticks;
    }

    /// <summary>The y ticks: "nice" steps from 0 to the first tick at or above <paramref name="maxValue"/> (0 to 1 when all are 0).</summary>
    internal static IReadOnlyList<double> ThroughputTicks(double maxValue)
    {
        double top = maxValue > 0 ? maxValue : 1;
        var ticks = ShapesPlot.NiceTicks(0, top).ToList();
        if (ticks[^1] < top)
        {
            ticks.Add(Math.Round(ticks[^1] + (ticks[1] - ticks[0]), 12));
        }

        return ticks;
    }

    private static List<List<ThroughputPoint>> Validate(IReadOnlyList<ThroughputSeries> series)
    {
        if (series.Count == 0)
        {
            throw new ArgumentException("no series to plot", nameof(series));
        }

        var sorted = new List<List<ThroughputPoint>>();
        foreach (var s in series)
        {
            if (s.Points.Count == 0)
            {
                throw new ArgumentException($"series '{s.Name}' has no points", nameof(series));
            }

            var points = s.Points.OrderBy(p => p.Concurrency).ToList();
            for (int i = 0; i < points.Count; i++)
            {
                var p = points[i];
                if (p.Concurrency < 1)
                {
                    throw new ArgumentException($"series '{s.Name}': concurrency {p.Concurrency} is below 1 (the x axis is log2)", nameof(series));
                }

                if (!(double.IsFinite(p.ImagesPerSecond) && p.ImagesPerSecond >= 0))
                {
                    throw new ArgumentException(
                        string.Create(CultureInfo.InvariantCulture, $"series '{s.Name}': {p.ImagesPerSecond} images/s at concurrency {p.Concurrency} is not a finite non-negative number"),
                        nameof(series));
                }

                if (i > 0 && points[i - 1].Concurrency == p.Concurrency)
                {
                    throw new ArgumentException($"series '{s.Name}': concurrency {p.Concurrency} repeats", nameof(series));
                }
            }

            sorted.Add(points);
        }

        return sorted;
    }

    private static void Draw(
        SKCanvas canvas, int width, SKRectI area, string title, IReadOnlyList<ThroughputSeries> series, List<List<ThroughputPoint>> points)
    {
        var xTicks = ConcurrencyTicks(points.Max(p => p[^1].Concurrency));
        var yTicks = ThroughputTicks(points.Max(p => p.Max(q => q.ImagesPerSecond)));
        // Half a doubling of room at both ends so the end markers do not sit on the axes.
        double lo = -0.25, hi = Math.Log2(xTicks[^1]) + 0.25;
        double yTop = yTicks[^1];
        float X(double concurrency) => (float)(area.Left + ((Math.Log2(concurrency) - lo) / (hi - lo) * area.Width));
        float Y(double value) => (float)(area.Bottom - (value / yTop * area.Height));

        using var font = new SKFont(LabText.Regular, TextSize);
        using var titleFont = new SKFont(LabText.Regular, TextSize + 3);
        using var text = new SKPaint { Color = new SKColor(0x20, 0x20, 0x20), IsAntialias = true };
        using var grid = new SKPaint { Color = new SKColor(0xe4, 0xe4, 0xe4), StrokeWidth = 1, Style = SKPaintStyle.Stroke };
        using var axis = new SKPaint { Color = new SKColor(0x40, 0x40, 0x40), StrokeWidth = 1.5f, Style = SKPaintStyle.Stroke, IsAntialias = true };

        canvas.DrawText(title, area.MidX, MarginTop - 20, SKTextAlign.Center, titleFont, text);
        foreach (double tick in yTicks)
        {
            float y = Y(tick);
            canvas.DrawLine(area.Left, y, area.Right, y, grid);
            canvas.DrawLine(area.Left - 5, y, area.Left, y, axis);
            canvas.DrawText(tick.ToString("0.###", CultureInfo.InvariantCulture), area.Left - 9, y + 5, SKTextAlign.Right, font, text);
        }

        foreach (int tick in xTicks)
        {
            float x = X(tick);
            canvas.DrawLine(x, area.Top, x, area.Bottom, grid);
            canvas.DrawLine(x, area.Bottom, x, area.Bottom + 5, axis);
            canvas.DrawText(tick.ToString(CultureInfo.InvariantCulture), x, area.Bottom + 22, SKTextAlign.Center, font, text);
        }

        canvas.DrawLine(area.Left, area.Top, area.Left, area.Bottom, axis);
        canvas.DrawLine(area.Left, area.Bottom, area.Right, area.Bottom, axis);
        canvas.DrawText("concurrent generations", area.MidX, area.Bottom + 46, SKTextAlign.Center, font, text);
        canvas.Save();
        canvas.Translate(22, area.MidY);
        canvas.RotateDegrees(-90);
        canvas.DrawText("images/s", 0, 0, SKTextAlign.Center, font, text);
        canvas.Restore();

        using var line = new SKPaint { StrokeWidth = LineWidth, Style = SKPaintStyle.Stroke, IsAntialias = true, StrokeJoin = SKStrokeJoin.Round };
        using var marker = new SKPaint { Style = SKPaintStyle.Fill, IsAntialias = true };
        float legendX = area.Right + 22;
        float legendY = area.Top + 12;
        for (int i = 0; i < series.Count; i++)
        {
            var color = SeriesColors[i % SeriesColors.Count];
            line.Color = color;
            marker.Color = color;
            SKPoint[] polyline = [.. points[i].Select(p => new SKPoint(X(p.Concurrency), Y(p.ImagesPerSecond)))];
            using (var builder = new SKPathBuilder())
            {
                builder.AddPoly(polyline, close: false);
                using var path = builder.Detach();
                canvas.DrawPath(path, line);
            }

            foreach (var point in polyline)
            {
                canvas.DrawCircle(point, MarkerRadius, marker);
            }

            canvas.DrawLine(legendX, legendY, legendX + 28, legendY, line);
            canvas.DrawCircle(legendX + 14, legendY, MarkerRadius, marker);
            foreach (string labelLine in LabText.Wrap(series[i].Name, font, width - (legendX + 36) - 8))
            {
                canvas.DrawText(labelLine, legendX + 36, legendY + 5, SKTextAlign.Left, font, text);
                legendY += font.Spacing;
            }

            legendY += 24 - font.Spacing;
        }
    }
}
