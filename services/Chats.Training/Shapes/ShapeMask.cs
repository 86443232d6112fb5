namespace Chats.Training.Shapes;

/// <summary>
/// The pixel-centre inside tests of SPEC §1, in exact integer arithmetic (boundary points count as inside).
/// Coordinates are relative to the object's <c>s</c> x <c>s</c> box; pixel (x, y) has centre (x + ½, y + ½).
/// </summary>
public static class ShapeMask
{
    /// <summary>Whether box pixel (<paramref name="x"/>, <paramref name="y"/>) is inside a <paramref name="kind"/> of side <paramref name="size"/>.</summary>
    public static bool Contains(ShapeKind kind, int size, int x, int y)
    {
        if (x < 0 || y < 0 || x >= size || y >= size)
        {
            return false;
        }

        // Doubled coordinates: centre (2x + 1, 2y + 1), box centre (s, s).
        int u = (2 * x) + 1 - size;
        int v = (2 * y) + 1 - size;
        return kind switch
        {
            ShapeKind.Square => true,
            // |centre - box centre| <= s/2  <=>  u² + v² <= s².
            ShapeKind.Circle => (u * u) + (v * v) <= size * size,
            // Apex (s/2, 0), base corners (0, s), (s, s): half-width at depth d is d/2, so |cx - s/2| <= cy/2
            // <=> |u|/2 <= (2y + 1)/4  <=>  2|u| <= 2y + 1.
            ShapeKind.Triangle => 2 * Math.Abs(u) <= (2 * y) + 1,
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a ShapesEval shape"),
        };
    }
}
