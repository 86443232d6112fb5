using Chats.Training.Data;
using Chats.Training.Shapes;

namespace Chats.Training.Tests.Shapes;

public sealed class ShapesPlotTests
{
    private static readonly ShapesPlotPoint[] s_points =
    [
        // Deliberately out of order: the plot sorts by x.
        new(1.0, TestReports.WithCategories(60, 55, 40, 70, 30, 45)),
        new(0.0, TestReports.WithCategories(40, 30, 20, 50, 10, 25)),
        new(0.5, TestReports.WithCategories(55, 45, 35, 65, 25, 40)),
    ];

    [Fact]
    public void RenderPng_IsADecodablePngOfTheAskedSize_WithLinesInThePlotArea_AndTextInTheLegend()
    {
        byte[] png = ShapesPlot.RenderPng(s_points, "alpha", [new ShapesPlotReference("Standard+CFG overall", 45.3)]);

        var image = RgbImageDecoder.Decode(png);
        Assert.Equal(ShapesPlot.DefaultWidth, image.Width);
        Assert.Equal(ShapesPlot.DefaultHeight, image.Height);
        var area = ShapesPlot.PlotArea(image.Width, image.Height);

        // Strictly inside the axes: only the data, the reference line and the light grid can be there.
        int coloured = Count(image, area.Left + 3, area.Top, area.Right, area.Bottom - 3, (r, g, b) => Math.Max(r, Math.Max(g, b)) - Math.Min(r, Math.Min(g, b)) > 60);
        Assert.True(coloured > 500, $"only {coloured} coloured pixels in the plot area");

        // The legend is text and line samples right of the plot area: text only shows when a font with glyphs was found.
        int dark = Count(image, area.Right + 50, area.Top, image.Width, area.Bottom, (r, g, b) => r < 100 && g < 100 && b < 100);
        Assert.True(dark > 300, $"only {dark} dark pixels in the legend's text");

        // The margin below the x axis holds the tick labels and the axis title.
        Assert.True(Count(image, area.Left, area.Bottom + 8, area.Right, image.Height, (r, g, b) => r < 100) > 100);
    }

    [Fact]
    public void RenderPng_HonoursACustomSize()
    {
        var image = RgbImageDecoder.Decode(ShapesPlot.RenderPng(s_points, "guidance scale", width: 640, height: 400));

        Assert.Equal((640, 400), (image.Width, image.Height));
    }

    [Fact]
    public void RenderPng_ASinglePoint_Draws()
    {
        var image = RgbImageDecoder.Decode(ShapesPlot.RenderPng([s_points[0]], "alpha"));

        Assert.Equal(ShapesPlot.DefaultWidth, image.Width);
    }

    [Fact]
    public void RenderPng_RepeatedX_NoPoints_OrAReferenceOutsidePercent_Throw()
    {
        Assert.Contains("repeats", Assert.Throws<ArgumentException>(() => ShapesPlot.RenderPng([s_points[0], s_points[0]], "alpha")).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ShapesPlot.RenderPng([], "alpha"));
        Assert.Throws<ArgumentException>(() => ShapesPlot.RenderPng(s_points, "alpha", [new ShapesPlotReference("cfg", 120)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShapesPlot.RenderPng(s_points, "alpha", width: 100));
    }

    [Theory]
    [InlineData(0.0, 1.0, new[] { 0.0, 0.2, 0.4, 0.6, 0.8, 1.0 })]
    [InlineData(-1.0, 1.0, new[] { -1.0, -0.5, 0.0, 0.5, 1.0 })]
    [InlineData(1.0, 9.0, new[] { 2.0, 4.0, 6.0, 8.0 })]
    [InlineData(0.0, 0.3, new[] { 0.0, 0.1, 0.2, 0.3 })] // 3 · 0.1 is 0.30000000000000004 unrounded
    [InlineData(0.0, 0.25, new[] { 0.0, 0.05, 0.1, 0.15, 0.2, 0.25 })]
    public void NiceTicks_AreRoundStepsCoveringTheRange(double min, double max, double[] expected)
    {
        var ticks = ShapesPlot.NiceTicks(min, max);

        Assert.Equal(expected, ticks);
        Assert.DoesNotContain(ticks, t => t == 0 && double.IsNegative(t));
    }

    private static int Count(RgbImage image, int x0, int y0, int x1, int y1, Func<int, int, int, bool> predicate)
    {
        int count = 0;
        for (int y = y0; y < y1; y++)
        {
            for (int x = x0; x < x1; x++)
            {
                int i = ((y * image.Width) + x) * 3;
                if (predicate(image.Rgb[i], image.Rgb[i + 1], image.Rgb[i + 2]))
                {
                    count++;
                }
            }
        }

        return count;
    }
}
