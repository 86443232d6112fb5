namespace Chats.Training.Shapes;

/// <summary>One point of a guidance-scale grid and its ShapesEval report on the validation prompts.</summary>
/// <param name="GuidanceScale">s (paper convention).</param>
/// <param name="Report">Scores at that scale.</param>
public sealed record GuidanceCandidate(float GuidanceScale, ShapesReport Report);
