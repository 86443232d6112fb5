namespace Chats.Training.Shapes;

/// <summary>The three ShapesEval shapes (SPEC §1).</summary>
public enum ShapeKind
{
    /// <summary>A disc of diameter <c>s</c>.</summary>
    Circle,

    /// <summary>An axis-aligned <c>s</c> x <c>s</c> square.</summary>
    Square,

    /// <summary>An apex-up triangle with base <c>s</c> on the bottom row of its box.</summary>
    Triangle,
}
