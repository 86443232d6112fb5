namespace Chats.Training.Shapes;

/// <summary>What preference-pair generation saw in one category (or overall).</summary>
public sealed record ShapesPairsCounts
{
    /// <summary>Prompts sampled.</summary>
    public int Prompts { get; init; }

    /// <summary>Images generated: prompts · images per prompt, plus <see cref="ExtraImages"/>. The sampling budget this category spent.</summary>
    public int Images { get; init; }

    /// <summary>Images sampled after the first round because the category was short of pairs (<see cref="ShapesPairsOptions.MinPairsPerCategory"/>).</summary>
    public int ExtraImages { get; init; }

    /// <summary>Images the judge found correct for their prompt.</summary>
    public int CorrectImages { get; init; }

    /// <summary>Prompts with at least one correct and one incorrect image: the only ones that give pairs.</summary>
    public int PromptsWithBothOutcomes { get; init; }

    /// <summary>Pairs written: the sum over prompts of min(correct, incorrect).</summary>
    public int Pairs { get; init; }

    /// <summary>
    /// These counts plus one prompt with <paramref name="images"/> images (<paramref name="extraImages"/> of them after the
    /// first round), <paramref name="correct"/> of them correct, that gave <paramref name="pairs"/> pairs.
    /// </summary>
    internal ShapesPairsCounts AddPrompt(int images, int correct, int pairs, int extraImages = 0) => this with
    {
        Prompts = Prompts + 1,
        Images = Images + images,
        ExtraImages = ExtraImages + extraImages,
        CorrectImages = CorrectImages + correct,
        PromptsWithBothOutcomes = PromptsWithBothOutcomes + (correct > 0 && correct < images ? 1 : 0),
        Pairs = Pairs + pairs,
    };

    /// <summary>The sum of these counts and <paramref name="other"/>.</summary>
    internal ShapesPairsCounts Plus(ShapesPairsCounts other) => new()
    {
        Prompts = Prompts + other.Prompts,
        Images = Images + other.Images,
        ExtraImages = ExtraImages + other.ExtraImages,
        CorrectImages = CorrectImages + other.CorrectImages,
        PromptsWithBothOutcomes = PromptsWithBothOutcomes + other.PromptsWithBothOutcomes,
        Pairs = Pairs + other.Pairs,
    };
}
