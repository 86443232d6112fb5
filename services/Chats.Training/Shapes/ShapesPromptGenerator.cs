namespace Chats.Training.Shapes;

/// <summary>
/// Seeded prompts of the SPEC §2 grammar: <see cref="Next(ShapesCategory)"/> draws uniformly from <see cref="All"/> of a
/// category, so the same seed gives the same sequence. Every category is finite
/// (3, 6, 9, 18, 24 and 180 prompts).
/// </summary>
public sealed class ShapesPromptGenerator
{
    private static readonly Dictionary<ShapesCategory, IReadOnlyList<ShapesPrompt>> s_all =
        ShapesVocabulary.Categories.ToDictionary(c => c, Enumerate);

    private readonly Random _rng;

    /// <summary>A generator whose draws are fixed by <paramref name="seed"/>.</summary>
    public ShapesPromptGenerator(int seed) => _rng = new Random(seed);

    /// <summary>A generator drawing from <paramref name="rng"/>.</summary>
    public ShapesPromptGenerator(Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        _rng = rng;
    }

    /// <summary>Every prompt of <paramref name="category"/>, in a fixed order (shapes, colors, counts, relations in SPEC order).</summary>
    public static IReadOnlyList<ShapesPrompt> All(ShapesCategory category) =>
        s_all.TryGetValue(category, out var prompts)
            ? prompts
            : throw new ArgumentOutOfRangeException(nameof(category), category, "not a ShapesEval category");

    /// <summary>A prompt of <paramref name="category"/>, uniformly among <see cref="All"/>.</summary>
    public ShapesPrompt Next(ShapesCategory category)
    {
        var all = All(category);
        return all[_rng.Next(all.Count)];
    }

    /// <summary>A prompt of a uniformly drawn category, then uniformly within it.</summary>
    public ShapesPrompt Next() => Next(ShapesVocabulary.Categories[_rng.Next(ShapesVocabulary.Categories.Count)]);

    private static IReadOnlyList<ShapesPrompt> Enumerate(ShapesCategory category)
    {
        var shapes = ShapesVocabulary.Shapes;
        var colors = ShapesVocabulary.Colors;
        return category switch
        {
            ShapesCategory.SingleObject => [.. shapes.Select(ShapesPrompt.SingleObject)],
            ShapesCategory.TwoObject =>
                [.. from a in shapes from b in shapes where a != b select ShapesPrompt.TwoObject(a, b)],
            ShapesCategory.Counting =>
                [.. from n in ShapesVocabulary.Counts from s in shapes select ShapesPrompt.Counting(n, s)],
            ShapesCategory.Colors =>
                [.. from c in colors from s in shapes select ShapesPrompt.Colors(c, s)],
            ShapesCategory.Position =>
                [.. from a in shapes from r in ShapesVocabulary.Relations from b in shapes where a != b select ShapesPrompt.Position(a, r, b)],
            ShapesCategory.ColorAttr =>
                [.. from c1 in colors from s1 in shapes from c2 in colors from s2 in shapes
                    where s1 != s2 && c1 != c2
                    select ShapesPrompt.ColorAttr(c1, s1, c2, s2)],
            _ => throw new ArgumentOutOfRangeException(nameof(category), category, "not a ShapesEval category"),
        };
    }
}
