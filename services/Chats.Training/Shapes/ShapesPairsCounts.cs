namespace Chats.Training.Shapes;

/// <summary>What preference-pair generation saw in one category (or overall).</summary>
public sealed record ShapesPairsCounts
{
    /// <summary>Prompts sampled.</summary>
    public int Prompts { get; init; }

    /// <summary>Images generated (prompts · images per prompt).</summary>
    public int Images { get; init; }

    /// <summary>Images the judge found correct for their prompt.</summary>
    public int CorrectImages { get; init; }

    /// <summary>Prompts with at least one correct and one incorrect image: the only ones that give pairs.</summary>
    public int PromptsWithBothOutcomes { get; init; }

    /// <summary>Pairs written: the sum over prompts of min(correct, incorrect).</summary>
    public int Pairs { get; init; }

    /// <summary>These counts plus one prompt with <paramref name="images"/> images, <paramref name="correct"/> of them correct, that gave <paramref name="pairs"/> pairs.</summary>
    internal ShapesPairsCounts AddPrompt(int images, int correct, int pairs) => this with
    {
        Prompts = Prompts + 1,
        Images = Images + images,
        CorrectImages = CorrectImages + correct,
        PromptsWithBothOutcomes = PromptsWithBothOutcomes + (correct > 0 && correct < images ? 1 : 0),
        Pairs = Pairs + pairs,
    };

    /// <summary>The sum of these counts and <paramref name="other"/>.</summary>
    internal ShapesPairsCounts Plus(ShapesPairsCounts other) => new()
    {
        Prompts = Prompts + other.Prompts,
        Images = Images + other.Images,
        CorrectImages = CorrectImages + other.CorrectImages,
        PromptsWithBothOutcomes = PromptsWithBothOutcomes + other.PromptsWithBothOutcomes,
        Pairs = Pairs + other.Pairs,
    };
}
