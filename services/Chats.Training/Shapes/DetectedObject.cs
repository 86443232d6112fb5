namespace Chats.Training.Shapes;

/// <summary>One object found by <see cref="ShapesScorer.Detect"/> (SPEC §3 step 4).</summary>
/// <param name="Shape">The shape its fill and aspect say it is.</param>
/// <param name="Color">Its color label.</param>
/// <param name="PixelCount">Its pixel count (the size used for "largest").</param>
/// <param name="CentroidX">Mean x of its pixels.</param>
/// <param name="CentroidY">Mean y of its pixels (y grows downwards).</param>
/// <param name="FirstPixelIndex">Row-major index (y·width + x) of its first pixel; breaks ties for "largest".</param>
public sealed record DetectedObject(
    ShapeKind Shape, ShapeColor Color, int PixelCount, double CentroidX, double CentroidY, int FirstPixelIndex);
