namespace Chats.Training.Shapes;

/// <summary>One line of an evaluation set (SPEC §4).</summary>
/// <param name="LineIndex">0-based line index among the entries (used for the noise seed).</param>
/// <param name="Id">The entry id (image files are <c>{id}_s{seed}.png</c>).</param>
/// <param name="Category">The category, as written in the file and checked against the prompt.</param>
/// <param name="Prompt">The parsed prompt.</param>
public sealed record ShapesEvalEntry(int LineIndex, string Id, ShapesCategory Category, ShapesPrompt Prompt)
{
    /// <summary>The seed of this entry's initial noise for evaluation seed <paramref name="seed"/>.</summary>
    public int NoiseSeed(int seed) => ShapesEvalSet.NoiseSeed(seed, LineIndex);

    /// <summary>The image file name for evaluation seed <paramref name="seed"/>.</summary>
    public string ImageFileName(int seed) => ShapesEvalSet.ImageFileName(Id, seed);
}
