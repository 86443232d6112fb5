namespace Chats.Training.Shapes;

/// <summary>The six prompt categories (SPEC §2, as in GenEval). Written names: <see cref="ShapesVocabulary.CategoryName"/>.</summary>
public enum ShapesCategory
{
    /// <summary><c>single_object</c>: <c>a {shape}</c>.</summary>
    SingleObject,

    /// <summary><c>two_object</c>: <c>a {shape1} and a {shape2}</c>.</summary>
    TwoObject,

    /// <summary><c>counting</c>: <c>{two|three|four} {shape}s</c>.</summary>
    Counting,

    /// <summary><c>colors</c>: <c>a {color} {shape}</c>.</summary>
    Colors,

    /// <summary><c>position</c>: <c>a {shape1} {left of|right of|above|below} a {shape2}</c>.</summary>
    Position,

    /// <summary><c>color_attr</c>: <c>a {color1} {shape1} and a {color2} {shape2}</c>.</summary>
    ColorAttr,
}
