namespace Chats.Training.Shapes;

/// <summary>The six ShapesEval colors (SPEC §1), in the order of the SPEC table. RGB values: <see cref="ShapesVocabulary.Rgb"/>.</summary>
public enum ShapeColor
{
    /// <summary>red (220, 40, 40).</summary>
    Red,

    /// <summary>yellow (240, 200, 30).</summary>
    Yellow,

    /// <summary>green (40, 170, 70).</summary>
    Green,

    /// <summary>blue (40, 90, 230).</summary>
    Blue,

    /// <summary>purple (160, 60, 200).</summary>
    Purple,

    /// <summary>black (30, 30, 30).</summary>
    Black,
}
