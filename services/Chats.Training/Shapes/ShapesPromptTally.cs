namespace Chats.Training.Shapes;

/// <summary>What preference-pair sampling has seen of one prompt so far.</summary>
/// <param name="Prompt">The prompt's 0-based index in the run.</param>
/// <param name="Category">The prompt's category.</param>
/// <param name="Images">Images sampled for it.</param>
/// <param name="Correct">Of those, the images the judge found correct.</param>
public readonly record struct ShapesPromptTally(int Prompt, ShapesCategory Category, int Images, int Correct)
{
    /// <summary>The pairs these images give: min(correct, incorrect).</summary>
    public int Pairs => Math.Min(Correct, Images - Correct);
}
