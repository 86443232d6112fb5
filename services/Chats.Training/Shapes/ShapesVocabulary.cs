namespace Chats.Training.Shapes;

/// <summary>The words, colors and relation rules of ShapesEval (SPEC §1–2).</summary>
public static class ShapesVocabulary
{
    /// <summary>Canvas width in pixels.</summary>
    public const int Width = 64;

    /// <summary>Canvas height in pixels.</summary>
    public const int Height = 64;

    /// <summary>The six colors, in SPEC order.</summary>
    public static IReadOnlyList<ShapeColor> Colors { get; } =
        [ShapeColor.Red, ShapeColor.Yellow, ShapeColor.Green, ShapeColor.Blue, ShapeColor.Purple, ShapeColor.Black];

    /// <summary>The three shapes, in SPEC order.</summary>
    public static IReadOnlyList<ShapeKind> Shapes { get; } = [ShapeKind.Circle, ShapeKind.Square, ShapeKind.Triangle];

    /// <summary>The six categories, in SPEC order.</summary>
    public static IReadOnlyList<ShapesCategory> Categories { get; } =
    [
        ShapesCategory.SingleObject, ShapesCategory.TwoObject, ShapesCategory.Counting,
        ShapesCategory.Colors, ShapesCategory.Position, ShapesCategory.ColorAttr,
    ];

    /// <summary>The four relations.</summary>
    public static IReadOnlyList<ShapeRelation> Relations { get; } =
        [ShapeRelation.LeftOf, ShapeRelation.RightOf, ShapeRelation.Above, ShapeRelation.Below];

    /// <summary>The counts of the <c>counting</c> category.</summary>
    public static IReadOnlyList<int> Counts { get; } = [2, 3, 4];

    /// <summary>The exact RGB of a color.</summary>
    public static (byte R, byte G, byte B) Rgb(ShapeColor color) => color switch
    {
        ShapeColor.Red => (220, 40, 40),
        ShapeColor.Yellow => (240, 200, 30),
        ShapeColor.Green => (40, 170, 70),
        ShapeColor.Blue => (40, 90, 230),
        ShapeColor.Purple => (160, 60, 200),
        ShapeColor.Black => (30, 30, 30),
        _ => throw new ArgumentOutOfRangeException(nameof(color), color, "not a ShapesEval color"),
    };

    /// <summary>The prompt word of a color (<c>red</c>, ...).</summary>
    public static string ColorName(ShapeColor color) => color switch
    {
        ShapeColor.Red => "red",
        ShapeColor.Yellow => "yellow",
        ShapeColor.Green => "green",
        ShapeColor.Blue => "blue",
        ShapeColor.Purple => "purple",
        ShapeColor.Black => "black",
        _ => throw new ArgumentOutOfRangeException(nameof(color), color, "not a ShapesEval color"),
    };

    /// <summary>The singular prompt word of a shape (<c>circle</c>, ...).</summary>
    public static string ShapeName(ShapeKind shape) => shape switch
    {
        ShapeKind.Circle => "circle",
        ShapeKind.Square => "square",
        ShapeKind.Triangle => "triangle",
        _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "not a ShapesEval shape"),
    };

    /// <summary>The plural prompt word of a shape (singular + <c>s</c>).</summary>
    public static string ShapePlural(ShapeKind shape) => ShapeName(shape) + "s";

    /// <summary>The prompt word of a count (<c>two</c>, <c>three</c>, <c>four</c>).</summary>
    public static string CountWord(int count) => count switch
    {
        2 => "two",
        3 => "three",
        4 => "four",
        _ => throw new ArgumentOutOfRangeException(nameof(count), count, "counts are 2, 3 or 4"),
    };

    /// <summary>The prompt words of a relation (<c>left of</c>, <c>right of</c>, <c>above</c>, <c>below</c>).</summary>
    public static string RelationText(ShapeRelation relation) => relation switch
    {
        ShapeRelation.LeftOf => "left of",
        ShapeRelation.RightOf => "right of",
        ShapeRelation.Above => "above",
        ShapeRelation.Below => "below",
        _ => throw new ArgumentOutOfRangeException(nameof(relation), relation, "not a ShapesEval relation"),
    };

    /// <summary>The snake_case name of a category (<c>single_object</c>, ...).</summary>
    public static string CategoryName(ShapesCategory category) => category switch
    {
        ShapesCategory.SingleObject => "single_object",
        ShapesCategory.TwoObject => "two_object",
        ShapesCategory.Counting => "counting",
        ShapesCategory.Colors => "colors",
        ShapesCategory.Position => "position",
        ShapesCategory.ColorAttr => "color_attr",
        _ => throw new ArgumentOutOfRangeException(nameof(category), category, "not a ShapesEval category"),
    };

    /// <summary>Parses a snake_case category name; throws <see cref="FormatException"/> naming it otherwise.</summary>
    public static ShapesCategory ParseCategory(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var category in Categories)
        {
            if (CategoryName(category) == name)
            {
                return category;
            }
        }

        throw new FormatException($"'{name}' is not a ShapesEval category (single_object, two_object, counting, colors, position, color_attr)");
    }

    /// <summary>
    /// Whether <c>A {relation} B</c> holds for centroids (ax, ay) and (bx, by), y growing downwards (SPEC §2):
    /// dx = bx - ax, dy = by - ay; left of: dx &gt; 4 and |dx| &gt; |dy|, and symmetrically.
    /// </summary>
    public static bool RelationHolds(ShapeRelation relation, double ax, double ay, double bx, double by)
    {
        double dx = bx - ax;
        double dy = by - ay;
        return relation switch
        {
            ShapeRelation.LeftOf => dx > 4 && Math.Abs(dx) > Math.Abs(dy),
            ShapeRelation.RightOf => dx < -4 && Math.Abs(dx) > Math.Abs(dy),
            ShapeRelation.Above => dy > 4 && Math.Abs(dy) > Math.Abs(dx),
            ShapeRelation.Below => dy < -4 && Math.Abs(dy) > Math.Abs(dx),
            _ => throw new ArgumentOutOfRangeException(nameof(relation), relation, "not a ShapesEval relation"),
        };
    }

    internal static bool TryParseShape(string word, out ShapeKind shape)
    {
        foreach (var candidate in Shapes)
        {
            if (ShapeName(candidate) == word)
            {
                shape = candidate;
                return true;
            }
        }

        shape = default;
        return false;
    }

    internal static bool TryParseShapePlural(string word, out ShapeKind shape)
    {
        foreach (var candidate in Shapes)
        {
            if (ShapePlural(candidate) == word)
            {
                shape = candidate;
                return true;
            }
        }

        shape = default;
        return false;
    }

    internal static bool TryParseColor(string word, out ShapeColor color)
    {
        foreach (var candidate in Colors)
        {
            if (ColorName(candidate) == word)
            {
                color = candidate;
                return true;
            }
        }

        color = default;
        return false;
    }

    internal static bool TryParseCount(string word, out int count)
    {
        foreach (int candidate in Counts)
        {
            if (CountWord(candidate) == word)
            {
                count = candidate;
                return true;
            }
        }

        count = 0;
        return false;
    }
}
