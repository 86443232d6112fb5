namespace Chats.Training.Shapes;

/// <summary>
/// The geometry of a <see cref="ShapesImageGrid"/>: a label column at the left, a header row at the top, then square
/// cells of <see cref="CellSize"/> pixels with <see cref="Gap"/> pixels before each column and after each row. The gap
/// holds a thin grey frame around each cell: ShapesEval images have white backgrounds, and without it neighbouring
/// cells would run together.
/// </summary>
/// <param name="Scale">The integer nearest-neighbour upscaling of the 64×64 images (1–16).</param>
/// <param name="LabelWidth">The width of the row-label column (the prompt text is wrapped to it).</param>
/// <param name="HeaderHeight">The height of the column-header row.</param>
/// <param name="Gap">The space between cells, at least 2 to hold the frame (0: no frames).</param>
public sealed record ShapesGridLayout(int Scale = 3, int LabelWidth = 260, int HeaderHeight = 34, int Gap = 6)
{
    /// <summary>The side of a cell in pixels: 64·<see cref="Scale"/>.</summary>
    public int CellSize => ShapesVocabulary.Width * Scale;

    /// <summary>The image width for <paramref name="columns"/> columns.</summary>
    public int Width(int columns) => LabelWidth + (columns * (Gap + CellSize)) + Gap;

    /// <summary>The image height for <paramref name="rows"/> rows.</summary>
    public int Height(int rows) => HeaderHeight + (rows * (CellSize + Gap));

    /// <summary>The x of the first pixel of column <paramref name="column"/> (0-based).</summary>
    public int CellLeft(int column) => LabelWidth + Gap + (column * (CellSize + Gap));

    /// <summary>The y of the first pixel of row <paramref name="row"/> (0-based).</summary>
    public int CellTop(int row) => HeaderHeight + (row * (CellSize + Gap));

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a layout that cannot be drawn.</summary>
    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Scale, 1, nameof(Scale));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Scale, 16, nameof(Scale));
        ArgumentOutOfRangeException.ThrowIfNegative(LabelWidth, nameof(LabelWidth));
        ArgumentOutOfRangeException.ThrowIfNegative(HeaderHeight, nameof(HeaderHeight));
        ArgumentOutOfRangeException.ThrowIfNegative(Gap, nameof(Gap));
    }
}
