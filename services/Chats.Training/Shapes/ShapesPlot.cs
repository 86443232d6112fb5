using System.Globalization;
using SkiaSharp;

namespace Chats.Training.Shapes;

/// <summary>
/// A line chart of ShapesEval scores against a swept parameter (the docs' α plot): the overall score and the six
/// categories, in percent on a fixed 0–100 y axis (so charts of different runs compare at a glance), against the
/// numeric x values sorted ascending; optional dashed horizontal reference lines; the legend to the right of the plot
/// area so it never covers a line.
/// </summary>
public static class ShapesPlot
{
    /// <summary>The default image width in pixels.</summary>
    public const int DefaultWidth = 800;

    /// <summary>The default image height in pixels.</summary>
    public const int DefaultHeight = 500;

    private const int MarginLeft = 72;
    private const int MarginTop = 24;
    private const int MarginBottom = 62;
    private const int LegendWidth = 210;
    private const float TextSize = 14;

    // matplotlib's tab10 colours for the categories: distinct and familiar; the overall score is black and thicker.
    private static readonly SKColor[] s_categoryColors =
    [
        new(0x1f, 0x77, 0xb4), new(0xff, 0x7f, 0x0e), new(0x2c, 0xa0, 0x2c),
        new(0xd6, 0x27, 0x28), new(0x94, 0x67, 0xbd), new(0x8c, 0x56, 0x4b),
    ];

    private static readonly SKColor[] s_referenceColors = [new(0x7f, 0x7f, 0x7f), new(0xe3, 0x77, 0xc2), new(0x17, 0xbe, 0xcf), new(0xbc, 0xbd, 0x22)];

    /// <summary>The rectangle the axes enclose in an image of the given size; the data are drawn inside it.</summary>
    public static SKRectI PlotArea(int width, int height) => new(MarginLeft, MarginTop, width - LegendWidth, height - MarginBottom);

    /// <summary>
    /// Draws the chart and returns it as PNG bytes. Throws <see cref="ArgumentException"/> when there are no points, an x
    /// value is not finite or repeats, or a reference is outside [0, 100]; <see cref="ArgumentOutOfRangeException"/> when
    /// the image is smaller than 480×260 (too small for the legend and labels).
    /// </summary>
    public static byte[] RenderPng(
        IReadOnlyList<ShapesPlotPoint> points,
        string xLabel,
        IReadOnlyList<ShapesPlotReference>? references = null,
        int width = DefaultWidth,
        int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(xLabel);
        references ??= [];
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 480);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 260);
        var sorted = Validate(points, references);

        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            Draw(canvas, PlotArea(width, height), sorted, xLabel, references);
            canvas.Flush();
        }

        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    /// <summary>
    /// "Nice" tick positions covering [<paramref name="min"/>, <paramref name="max"/>]: multiples of 1, 2, 2.5 or 5 times a
    /// power of ten, about five of them.
    /// </summary>
    internal static IReadOnlyList<double> NiceTicks(double min, double max)
    {
        double raw = (max - min) / 5;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double normalized = raw / magnitude;
        double step = magnitude * (normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 2.5 ? 2.5 : normalized <= 5 ? 5 : 10);
        var ticks = new List<double>();
        // k·step rather than repeated addition keeps the error to one rounding; the slack admits ends equal to a tick.
        for (double k = Math.Ceiling((min / step) - 1e-9); k * step <= max + (step * 1e-9); k++)
        {
            // Rounding drops the last bits of k·step (0.30000000000000004); + 0.0 turns -0 (k = -0) into 0, which prints as "-0".
            ticks.Add(Math.Round(k * step, 12) + 0.0);
        }

        return ticks;
    }

    private static List<ShapesPlotPoint> Validate(IReadOnlyList<ShapesPlotPoint> points, IReadOnlyList<ShapesPlotReference> references)
    {
        if (points.Count == 0)
        {
            throw new ArgumentException("no points to plot", nameof(points));
        }

        var sorted = points.OrderBy(p => p.X).ToList();
        for (int i = 0; i < sorted.Count; i++)
        {
            if (!double.IsFinite(sorted[i].X))
            {
                throw new ArgumentException($"x value {sorted[i].X} is not a finite number", nameof(points));
            }

            if (i > 0 && sorted[i].X == sorted[i - 1].X)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"x value {sorted[i].X} repeats"), nameof(points));
            }
        }

        foreach (var reference in references)
        {
            if (!(reference.Percent >= 0 && reference.Percent <= 100))
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"reference '{reference.Label}' is {reference.Percent}, not a percentage in [0, 100]"),
                    nameof(references));
            }
        }

        return sorted;
    }

    private static void Draw(SKCanvas canvas, SKRectI area, List<ShapesPlotPoint> points, string xLabel, IReadOnlyList<ShapesPlotReference> references)
    {
        double xMin = points[0].X, xMax = points[^1].X;
        double lo, hi;
        IReadOnlyList<double> xTicks;
        if (xMin == xMax)
        {
            (lo, hi) = (xMin - 1, xMax + 1);
            xTicks = NiceTicks(lo, hi);
        }
        else
        {
            // A little room at both ends so the end markers do not sit on the axes.
            double pad = 0.04 * (xMax - xMin);
            (lo, hi) = (xMin - pad, xMax + pad);
            xTicks = NiceTicks(xMin, xMax);
        }

        float X(double x) => (float)(area.Left + ((x - lo) / (hi - lo) * area.Width));
        float Y(double percent) => (float)(area.Bottom - (percent / 100 * area.Height));

        using var font = new SKFont(LabText.Regular, TextSize);
        using var text = new SKPaint { Color = new SKColor(0x20, 0x20, 0x20), IsAntialias = true };
        using var grid = new SKPaint { Color = new SKColor(0xe4, 0xe4, 0xe4), StrokeWidth = 1, Style = SKPaintStyle.Stroke };
        using var axis = new SKPaint { Color = new SKColor(0x40, 0x40, 0x40), StrokeWidth = 1.5f, Style = SKPaintStyle.Stroke, IsAntialias = true };

        for (int percent = 0; percent <= 100; percent += 20)
        {
            float y = Y(percent);
            canvas.DrawLine(area.Left, y, area.Right, y, grid);
            canvas.DrawLine(area.Left - 5, y, area.Left, y, axis);
            canvas.DrawText(percent.ToString(CultureInfo.InvariantCulture), area.Left - 9, y + 5, SKTextAlign.Right, font, text);
        }

        foreach (double tick in xTicks)
        {
            float x = X(tick);
            canvas.DrawLine(x, area.Top, x, area.Bottom, grid);
            canvas.DrawLine(x, area.Bottom, x, area.Bottom + 5, axis);
            canvas.DrawText(tick.ToString("0.####", CultureInfo.InvariantCulture), x, area.Bottom + 22, SKTextAlign.Center, font, text);
        }

        canvas.DrawLine(area.Left, area.Top, area.Left, area.Bottom, axis);
        canvas.DrawLine(area.Left, area.Bottom, area.Right, area.Bottom, axis);
        canvas.DrawText(xLabel, area.MidX, area.Bottom + 46, SKTextAlign.Center, font, text);
        canvas.Save();
        canvas.Translate(20, area.MidY);
        canvas.RotateDegrees(-90);
        canvas.DrawText("score (%)", 0, 0, SKTextAlign.Center, font, text);
        canvas.Restore();

        // Every paint and dash effect is native: collect them to free them whatever happens while drawing.
        var owned = new List<IDisposable>();
        try
        {
            SKPaint Own(SKPaint paint)
            {
                owned.Add(paint);
                return paint;
            }

            // Legend order, top-down: overall, the categories in SPEC order, the references.
            var series = new List<(string Label, SKPaint Line, Func<ShapesReport, double> Value)>
            {
                ("overall", Own(SeriesPaint(SKColors.Black, 3.5f)), r => r.OverallPercent),
            };
            for (int i = 0; i < ShapesVocabulary.Categories.Count; i++)
            {
                var category = ShapesVocabulary.Categories[i];
                series.Add((ShapesVocabulary.CategoryName(category), Own(SeriesPaint(s_categoryColors[i], 2)), r => r.CategoryPercent[category]));
            }

            var legend = new List<(string Label, SKPaint Line, bool Marker)>();
            legend.AddRange(series.Select(s => (s.Label, s.Line, true)));
            for (int i = 0; i < references.Count; i++)
            {
                var dash = SKPathEffect.CreateDash([8, 5], 0);
                owned.Add(dash);
                var line = Own(new SKPaint
                {
                    Color = s_referenceColors[i % s_referenceColors.Length],
                    StrokeWidth = 2,
                    Style = SKPaintStyle.Stroke,
                    IsAntialias = true,
                    PathEffect = dash,
                });
                legend.Add((string.Create(CultureInfo.InvariantCulture, $"{references[i].Label} ({references[i].Percent:F1})"), line, false));
                float y = Y(references[i].Percent);
                canvas.DrawLine(area.Left, y, area.Right, y, line);
            }

            var marker = Own(new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill });

            // Reversed so overall, the first series, is drawn last, on top of the categories.
            foreach (var (_, line, value) in Enumerable.Reverse(series))
            {
                SKPoint[] polyline = [.. points.Select(p => new SKPoint(X(p.X), Y(value(p.Report))))];
                using var builder = new SKPathBuilder();
                builder.AddPoly(polyline, close: false);
                using var path = builder.Detach();
                canvas.DrawPath(path, line);
                marker.Color = line.Color;
                foreach (var point in polyline)
                {
                    canvas.DrawCircle(point, line.StrokeWidth + 1.5f, marker);
                }
            }

            float legendX = area.Right + 22;
            float legendY = area.Top + 12;
            foreach (var (label, line, hasMarker) in legend)
            {
                canvas.DrawLine(legendX, legendY, legendX + 28, legendY, line);
                if (hasMarker)
                {
                    marker.Color = line.Color;
                    canvas.DrawCircle(legendX + 14, legendY, line.StrokeWidth + 1.5f, marker);
                }

                // Long labels (a reference's name) wrap within the legend column instead of running off the image.
                foreach (string labelLine in LabText.Wrap(label, font, area.Right + LegendWidth - (legendX + 36) - 8))
                {
                    canvas.DrawText(labelLine, legendX + 36, legendY + 5, SKTextAlign.Left, font, text);
                    legendY += font.Spacing;
                }

                legendY += 24 - font.Spacing;
            }
        }
        finally
        {
            foreach (var item in owned)
            {
                item.Dispose();
            }
        }
    }

    private static SKPaint SeriesPaint(SKColor color, float width) =>
        new() { Color = color, StrokeWidth = width, Style = SKPaintStyle.Stroke, IsAntialias = true, StrokeJoin = SKStrokeJoin.Round };
}
