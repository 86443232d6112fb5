using Chats.Training.Shapes;

namespace Chats.Training.Tests.Shapes;

/// <summary>A white 64 x 64 RGB canvas painted by hand for scorer tests.</summary>
internal sealed class TestCanvas
{
    public const int Size = 64;

    public byte[] Rgb { get; } = Enumerable.Repeat((byte)255, Size * Size * 3).ToArray();

    public TestCanvas Set(int x, int y, (byte R, byte G, byte B) color)
    {
        int i = ((y * Size) + x) * 3;
        Rgb[i] = color.R;
        Rgb[i + 1] = color.G;
        Rgb[i + 2] = color.B;
        return this;
    }

    public TestCanvas Rect(int x0, int y0, int w, int h, (byte R, byte G, byte B) color)
    {
        for (int y = y0; y < y0 + h; y++)
        {
            for (int x = x0; x < x0 + w; x++)
            {
                Set(x, y, color);
            }
        }

        return this;
    }

    public TestCanvas Rect(int x0, int y0, int w, int h, ShapeColor color) => Rect(x0, y0, w, h, ShapesVocabulary.Rgb(color));

    public TestCanvas Shape(ShapeKind kind, int size, int x0, int y0, ShapeColor color)
    {
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                if (ShapeMask.Contains(kind, size, x, y))
                {
                    Set(x0 + x, y0 + y, ShapesVocabulary.Rgb(color));
                }
            }
        }

        return this;
    }

    public IReadOnlyList<DetectedObject> Detect() => ShapesScorer.Detect(Rgb);
}
