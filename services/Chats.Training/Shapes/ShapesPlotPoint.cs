namespace Chats.Training.Shapes;

/// <summary>One setting of a swept parameter (e.g. CHATS's α) and the scores it gave.</summary>
/// <param name="X">The parameter's value, the point's position on the x axis.</param>
/// <param name="Report">The scores at that value.</param>
public sealed record ShapesPlotPoint(double X, ShapesReport Report);
