namespace Chats.Training.Shapes;

/// <summary>A named ShapesEval report: one method's (or one setting's) scores, as a row of a results table.</summary>
/// <param name="Name">What produced the scores (<c>Standard+CFG</c>, <c>CHATS</c>, ...).</param>
/// <param name="Report">The scores.</param>
public sealed record ShapesResult(string Name, ShapesReport Report);
