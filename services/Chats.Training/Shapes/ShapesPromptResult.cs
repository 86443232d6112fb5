namespace Chats.Training.Shapes;

/// <summary>One prompt's verdicts in a <see cref="ShapesReport"/>: whether its image was judged correct, seed by seed.</summary>
/// <param name="Id">The entry id.</param>
/// <param name="Category">The entry's category.</param>
/// <param name="Correct">One verdict per seed, in the order of the report's <see cref="ShapesReport.Seeds"/>.</param>
public sealed record ShapesPromptResult(string Id, ShapesCategory Category, IReadOnlyList<bool> Correct)
{
    /// <summary>The fraction of this prompt's seeds judged correct, in [0, 1].</summary>
    public double Accuracy => Correct.Count == 0 ? 0 : (double)Correct.Count(c => c) / Correct.Count;
}
