namespace Chats.Training.Shapes;

/// <summary>
/// A parsed ShapesEval prompt (SPEC §2). Which members are set depends on <see cref="Category"/>:
/// <see cref="Shape1"/> always; <see cref="Shape2"/> for two_object, position and color_attr;
/// <see cref="Color1"/> for colors and color_attr; <see cref="Color2"/> for color_attr;
/// <see cref="Count"/> for counting; <see cref="Relation"/> for position. Build one with the static
/// factories or <see cref="Parse"/>; both enforce the grammar's constraints.
/// </summary>
public sealed record ShapesPrompt
{
    private ShapesPrompt(ShapesCategory category, ShapeKind shape1)
    {
        Category = category;
        Shape1 = shape1;
    }

    /// <summary>The category the prompt belongs to.</summary>
    public ShapesCategory Category { get; }

    /// <summary>The first (or only) named shape.</summary>
    public ShapeKind Shape1 { get; }

    /// <summary>The second named shape (two_object, position, color_attr).</summary>
    public ShapeKind? Shape2 { get; private init; }

    /// <summary>The color of <see cref="Shape1"/> (colors, color_attr).</summary>
    public ShapeColor? Color1 { get; private init; }

    /// <summary>The color of <see cref="Shape2"/> (color_attr).</summary>
    public ShapeColor? Color2 { get; private init; }

    /// <summary>The number of objects (counting: 2, 3 or 4).</summary>
    public int? Count { get; private init; }

    /// <summary>The relation <c>Shape1 {relation} Shape2</c> (position).</summary>
    public ShapeRelation? Relation { get; private init; }

    /// <summary><c>a {shape}</c>.</summary>
    public static ShapesPrompt SingleObject(ShapeKind shape) => new(ShapesCategory.SingleObject, CheckShape(shape));

    /// <summary><c>a {shape1} and a {shape2}</c>, shape1 != shape2.</summary>
    public static ShapesPrompt TwoObject(ShapeKind shape1, ShapeKind shape2)
    {
        CheckDistinctShapes(shape1, shape2);
        return new(ShapesCategory.TwoObject, shape1) { Shape2 = shape2 };
    }

    /// <summary><c>{two|three|four} {shape}s</c>.</summary>
    public static ShapesPrompt Counting(int count, ShapeKind shape)
    {
        _ = ShapesVocabulary.CountWord(count);
        return new(ShapesCategory.Counting, CheckShape(shape)) { Count = count };
    }

    /// <summary><c>a {color} {shape}</c>.</summary>
    public static ShapesPrompt Colors(ShapeColor color, ShapeKind shape) =>
        new(ShapesCategory.Colors, CheckShape(shape)) { Color1 = CheckColor(color) };

    /// <summary><c>a {shape1} {relation} a {shape2}</c>, shape1 != shape2.</summary>
    public static ShapesPrompt Position(ShapeKind shape1, ShapeRelation relation, ShapeKind shape2)
    {
        CheckDistinctShapes(shape1, shape2);
        _ = ShapesVocabulary.RelationText(relation);
        return new(ShapesCategory.Position, shape1) { Shape2 = shape2, Relation = relation };
    }

    /// <summary><c>a {color1} {shape1} and a {color2} {shape2}</c>, shape1 != shape2, color1 != color2.</summary>
    public static ShapesPrompt ColorAttr(ShapeColor color1, ShapeKind shape1, ShapeColor color2, ShapeKind shape2)
    {
        CheckDistinctShapes(shape1, shape2);
        CheckColor(color1);
        CheckColor(color2);
        if (color1 == color2)
        {
            throw new ArgumentException($"color_attr needs two different colors, got {ShapesVocabulary.ColorName(color1)} twice", nameof(color2));
        }

        return new(ShapesCategory.ColorAttr, shape1) { Color1 = color1, Shape2 = shape2, Color2 = color2 };
    }

    /// <summary>
    /// Parses a prompt written exactly in the grammar of SPEC §2 (lower case, single spaces, no
    /// surrounding blanks). Throws <see cref="FormatException"/> naming the text otherwise.
    /// </summary>
    public static ShapesPrompt Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        ShapesPrompt? prompt;
        try
        {
            prompt = TryParseWords(text.Split(' '));
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"'{text}' is not a ShapesEval prompt: {e.Message}", e);
        }

        if (prompt is null || prompt.ToText() != text)
        {
            throw new FormatException($"'{text}' is not a ShapesEval prompt (SPEC §2 grammar)");
        }

        return prompt;
    }

    /// <summary>Parses like <see cref="Parse"/>, returning false instead of throwing.</summary>
    public static bool TryParse(string text, out ShapesPrompt? prompt)
    {
        try
        {
            prompt = Parse(text);
            return true;
        }
        catch (FormatException)
        {
            prompt = null;
            return false;
        }
    }

    /// <summary>The prompt text; <c>Parse(p.ToText()) == p</c>.</summary>
    public string ToText()
    {
        string s1 = ShapesVocabulary.ShapeName(Shape1);
        return Category switch
        {
            ShapesCategory.SingleObject => $"a {s1}",
            ShapesCategory.TwoObject => $"a {s1} and a {ShapesVocabulary.ShapeName(Shape2!.Value)}",
            ShapesCategory.Counting => $"{ShapesVocabulary.CountWord(Count!.Value)} {ShapesVocabulary.ShapePlural(Shape1)}",
            ShapesCategory.Colors => $"a {ShapesVocabulary.ColorName(Color1!.Value)} {s1}",
            ShapesCategory.Position =>
                $"a {s1} {ShapesVocabulary.RelationText(Relation!.Value)} a {ShapesVocabulary.ShapeName(Shape2!.Value)}",
            ShapesCategory.ColorAttr =>
                $"a {ShapesVocabulary.ColorName(Color1!.Value)} {s1} and a {ShapesVocabulary.ColorName(Color2!.Value)} {ShapesVocabulary.ShapeName(Shape2!.Value)}",
            _ => throw new InvalidOperationException($"unknown category {Category}"),
        };
    }

    /// <inheritdoc/>
    public override string ToString() => ToText();

    private static ShapesPrompt? TryParseWords(string[] w)
    {
        switch (w.Length)
        {
            case 2 when w[0] == "a" && ShapesVocabulary.TryParseShape(w[1], out var shape):
                return SingleObject(shape);
            case 2 when ShapesVocabulary.TryParseCount(w[0], out int count) && ShapesVocabulary.TryParseShapePlural(w[1], out var shape):
                return Counting(count, shape);
            case 3 when w[0] == "a" && ShapesVocabulary.TryParseColor(w[1], out var color) && ShapesVocabulary.TryParseShape(w[2], out var shape):
                return Colors(color, shape);
            case 5 when w[0] == "a" && w[3] == "a"
                && ShapesVocabulary.TryParseShape(w[1], out var shape1) && ShapesVocabulary.TryParseShape(w[4], out var shape2):
                return w[2] switch
                {
                    "and" => TwoObject(shape1, shape2),
                    "above" => Position(shape1, ShapeRelation.Above, shape2),
                    "below" => Position(shape1, ShapeRelation.Below, shape2),
                    _ => null,
                };
            case 6 when w[0] == "a" && w[3] == "of" && w[4] == "a"
                && ShapesVocabulary.TryParseShape(w[1], out var shape1) && ShapesVocabulary.TryParseShape(w[5], out var shape2):
                return w[2] switch
                {
                    "left" => Position(shape1, ShapeRelation.LeftOf, shape2),
                    "right" => Position(shape1, ShapeRelation.RightOf, shape2),
                    _ => null,
                };
            case 7 when w[0] == "a" && w[3] == "and" && w[4] == "a"
                && ShapesVocabulary.TryParseColor(w[1], out var color1) && ShapesVocabulary.TryParseShape(w[2], out var shape1)
                && ShapesVocabulary.TryParseColor(w[5], out var color2) && ShapesVocabulary.TryParseShape(w[6], out var shape2):
                return ColorAttr(color1, shape1, color2, shape2);
            default:
                return null;
        }
    }

    private static ShapeKind CheckShape(ShapeKind shape)
    {
        _ = ShapesVocabulary.ShapeName(shape);
        return shape;
    }

    private static ShapeColor CheckColor(ShapeColor color)
    {
        _ = ShapesVocabulary.ColorName(color);
        return color;
    }

    private static void CheckDistinctShapes(ShapeKind shape1, ShapeKind shape2)
    {
        CheckShape(shape1);
        CheckShape(shape2);
        if (shape1 == shape2)
        {
            throw new ArgumentException($"the two shapes must differ, got {ShapesVocabulary.ShapeName(shape1)} twice", nameof(shape2));
        }
    }
}
