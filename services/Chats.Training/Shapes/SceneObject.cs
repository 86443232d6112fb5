namespace Chats.Training.Shapes;

/// <summary>One drawn object: its shape, color and its <c>Size</c> x <c>Size</c> box with top-left corner (X, Y).</summary>
/// <param name="Kind">The shape.</param>
/// <param name="Color">The flat fill color.</param>
/// <param name="X">Left column of the box.</param>
/// <param name="Y">Top row of the box.</param>
/// <param name="Size">Side <c>s</c> of the box (12..18 for rendered scenes).</param>
public sealed record SceneObject(ShapeKind Kind, ShapeColor Color, int X, int Y, int Size)
{
    /// <summary>Whether pixel (x, y) of the canvas is inside the shape (SPEC §1 pixel-centre rules).</summary>
    public bool Contains(int x, int y) => ShapeMask.Contains(Kind, Size, x - X, y - Y);

    /// <summary>The centroid (mean x, mean y) of the object's pixels, computed as the scorer does.</summary>
    public (double X, double Y) Centroid()
    {
        long sumX = 0, sumY = 0, count = 0;
        for (int y = Y; y < Y + Size; y++)
        {
            for (int x = X; x < X + Size; x++)
            {
                if (Contains(x, y))
                {
                    sumX += x;
                    sumY += y;
                    count++;
                }
            }
        }

        return ((double)sumX / count, (double)sumY / count);
    }

    /// <summary>Whether this box and <paramref name="other"/>'s are at least <paramref name="gap"/> pixels apart (in x or in y).</summary>
    public bool IsApartFrom(SceneObject other, int gap)
    {
        ArgumentNullException.ThrowIfNull(other);
        return other.X - (X + Size) >= gap || X - (other.X + other.Size) >= gap
            || other.Y - (Y + Size) >= gap || Y - (other.Y + other.Size) >= gap;
    }
}
