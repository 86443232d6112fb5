namespace Chats.Training.Shapes;

/// <summary>A horizontal reference line of a <see cref="ShapesPlot"/> (e.g. the Standard+CFG overall score).</summary>
/// <param name="Label">Its legend text.</param>
/// <param name="Percent">Its height, a percentage in [0, 100].</param>
public sealed record ShapesPlotReference(string Label, double Percent);
