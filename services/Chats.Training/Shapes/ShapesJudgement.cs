namespace Chats.Training.Shapes;

/// <summary>The scorer's verdict on one generated image.</summary>
/// <param name="Category">The entry's category.</param>
/// <param name="Seed">The evaluation seed the image was generated with.</param>
/// <param name="Correct">Whether the image was judged correct for its prompt.</param>
/// <param name="PromptId">
/// The entry id the image belongs to; when every judgement carries one, the report keeps the per-prompt verdicts
/// (<see cref="ShapesReport.Prompts"/>) that a paired comparison needs. Null for aggregate-only reports.
/// </param>
public readonly record struct ShapesJudgement(ShapesCategory Category, int Seed, bool Correct, string? PromptId = null);
