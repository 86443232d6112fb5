namespace Chats.Training.Shapes;

/// <summary>
/// Where preference-pair sampling spends its extra images: on the prompts of categories whose pair count is still
/// below a target, the prompts likeliest to give new pairs first. Pure: it needs no model, only the tallies so far.
/// </summary>
/// <remarks>
/// <para>
/// After the first round (K images for every prompt), each further round looks at every category below the target
/// and gives some of its prompts one more chunk of min(K, cap − images) images, never past the per-prompt cap. A
/// prompt's expected new pairs from a chunk of m images are E[min(c + X, n + m − c − X)] − min(c, n − c) with
/// X ~ Binomial(m, r) and r = (c + 1) / (n + 2), its correct rate smoothed by Laplace's rule (c correct of n so far):
/// balanced prompts promise most, all-wrong ones little but not nothing. Prompts are taken by that expectation
/// (highest first, ties to the lower index) until the expected new pairs cover the category's shortfall, so a
/// category a few pairs short samples a few prompts, not all of them.
/// </para>
/// <para>
/// Sampling stops when every category has reached the target or no prompt of a category below it has room under the
/// cap: the cap bounds the budget at prompts · cap images.
/// </para>
/// </remarks>
public static class ShapesPairsBudgetPlanner
{
    /// <summary>
    /// The next round's requests, in prompt order; empty when sampling is done. <paramref name="chunk"/> is the images
    /// per request (K), <paramref name="maxImagesPerPrompt"/> the cap, <paramref name="minPairsPerCategory"/> the target.
    /// </summary>
    public static IReadOnlyList<ShapesSampleRequest> NextRound(IReadOnlyList<ShapesPromptTally> prompts, int chunk, int maxImagesPerPrompt, int minPairsPerCategory)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunk);
        ArgumentOutOfRangeException.ThrowIfNegative(minPairsPerCategory);
        var requests = new List<ShapesSampleRequest>();
        foreach (var category in ShapesVocabulary.Categories)
        {
            var inCategory = prompts.Where(p => p.Category == category).ToList();
            int shortfall = minPairsPerCategory - inCategory.Sum(p => p.Pairs);
            if (shortfall <= 0)
            {
                continue;
            }

            var candidates = inCategory
                .Where(p => p.Images < maxImagesPerPrompt)
                .Select(p =>
                {
                    int count = Math.Min(chunk, maxImagesPerPrompt - p.Images);
                    return (Request: new ShapesSampleRequest(p.Prompt, p.Images, count), Gain: ExpectedNewPairs(p.Images, p.Correct, count));
                })
                .OrderByDescending(c => c.Gain)
                .ThenBy(c => c.Request.Prompt);
            double expected = 0;
            foreach (var (request, gain) in candidates)
            {
                requests.Add(request);
                expected += gain;
                if (expected >= shortfall)
                {
                    break;
                }
            }
        }

        return [.. requests.OrderBy(r => r.Prompt)];
    }

    /// <summary>
    /// The expected increase of min(correct, incorrect) when <paramref name="more"/> images are added to a prompt with
    /// <paramref name="correct"/> correct of <paramref name="images"/>, each correct with probability (c + 1) / (n + 2).
    /// </summary>
    internal static double ExpectedNewPairs(int images, int correct, int more)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(images);
        ArgumentOutOfRangeException.ThrowIfNegative(correct);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(correct, images);
        ArgumentOutOfRangeException.ThrowIfNegative(more);
        double rate = (correct + 1.0) / (images + 2.0);
        double expected = 0;
        double binomial = 1; // C(more, x)
        for (int x = 0; x <= more; x++)
        {
            if (x > 0)
            {
                binomial = binomial * (more - x + 1) / x;
            }

            double probability = binomial * Math.Pow(rate, x) * Math.Pow(1 - rate, more - x);
            expected += probability * Math.Min(correct + x, images + more - correct - x);
        }

        return expected - Math.Min(correct, images - correct);
    }
}
