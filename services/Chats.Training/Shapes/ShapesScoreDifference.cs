namespace Chats.Training.Shapes;

/// <summary>A score of two methods on the same prompts and seeds, their difference and its bootstrap confidence interval.</summary>
/// <param name="A">Method A's score, in percent.</param>
/// <param name="B">Method B's score, in percent.</param>
/// <param name="Difference">B − A, in percentage points.</param>
/// <param name="Lower">The lower end of the percentile confidence interval of B − A.</param>
/// <param name="Upper">The upper end of the percentile confidence interval of B − A.</param>
public sealed record ShapesScoreDifference(double A, double B, double Difference, double Lower, double Upper);
