using Chats.Training.Shapes;

namespace Chats.Training.Tests.Shapes;

/// <summary>The parts of preference-pair generation that need no model: pairing, seeds, settings checks.</summary>
public sealed class ShapesPairingTests
{
    [Fact]
    public void Pair_MatchesTheIthCorrectWithTheIthIncorrect_InGenerationOrder()
    {
        Assert.Equal([(0, 1), (3, 2), (4, 5)], ShapesPreferencePairs.Pair([true, false, false, true, true, false, true, true]));
        Assert.Equal([(2, 0)], ShapesPreferencePairs.Pair([false, false, true]));
        Assert.Empty(ShapesPreferencePairs.Pair([true, true, true, true]));
        Assert.Empty(ShapesPreferencePairs.Pair([false, false, false, false]));
        Assert.Empty(ShapesPreferencePairs.Pair([]));
    }

    [Fact]
    public void RequestSeed_IsSeedTimesAMillionPlusPromptTimesK_SoRunsOfTwoSeedsNeverShareNoise()
    {
        var options = new ShapesPairsOptions { Output = "out", ModelPath = "model", Seed = 2, ImagesPerPrompt = 8 };

        Assert.Equal(2_000_000UL, options.RequestSeed(0));
        Assert.Equal(2_000_000UL + (599 * 8), options.RequestSeed(599));
        Assert.True(options.RequestSeed(599) + 7 < (options with { Seed = 3 }).RequestSeed(0));
    }

    [Fact]
    public void ImageSeed_KeepsFirstRoundSeeds_AndPutsExtraImagesAfterAllOfThem_WithoutOverlap()
    {
        var options = new ShapesPairsOptions { Output = "out", ModelPath = "model", Seed = 2, Prompts = 3, ImagesPerPrompt = 4, MaxImagesPerPrompt = 10 };

        Assert.Equal(options.RequestSeed(1) + 3, options.ImageSeed(1, 3));
        Assert.Equal(2_000_000UL + (1 * 4) + 3, options.ImageSeed(1, 3));
        // Extra images: after the 3 x 4 first-round seeds, 6 per prompt: prompt 1's image 4 is 12 + 6.
        Assert.Equal(2_000_000UL + 12 + 6, options.ImageSeed(1, 4));
        Assert.Equal(2_000_000UL + 12 + 6 + 5, options.ImageSeed(1, 9));
        var all = Enumerable.Range(0, 3).SelectMany(p => Enumerable.Range(0, 10).Select(j => options.ImageSeed(p, j))).ToList();
        Assert.Equal(30, all.Distinct().Count());
        Assert.Equal(2_000_000UL, all.Min());
        Assert.Equal(2_000_000UL + 29, all.Max());
        Assert.Throws<ArgumentOutOfRangeException>(() => options.ImageSeed(0, 10));
        // Without a cap above K the old rule is all there is.
        Assert.Throws<ArgumentOutOfRangeException>(() => (options with { MaxImagesPerPrompt = null }).ImageSeed(0, 4));
    }

    [Fact]
    public void Problems_NameBadBudgetSettings()
    {
        var defaults = new ShapesPairsOptions { Output = "out", ModelPath = "model" };
        Assert.Empty((defaults with { MinPairsPerCategory = 30, MaxImagesPerPrompt = 32 }).Problems());
        Assert.Equal(8, defaults.ImageCap);

        Assert.Contains("must not be below images per prompt", Assert.Single((defaults with { MaxImagesPerPrompt = 4 }).Problems()), StringComparison.Ordinal);
        Assert.Contains("needs max images per prompt above", Assert.Single((defaults with { MinPairsPerCategory = 5 }).Problems()), StringComparison.Ordinal);
        Assert.Contains("must not be negative", Assert.Single((defaults with { MinPairsPerCategory = -1 }).Problems()), StringComparison.Ordinal);
        // 40,000 prompts x 8 fit the stride, but not with a cap of 32 images each.
        Assert.Empty((defaults with { Prompts = 40_000 }).Problems());
        Assert.Contains("overlap", Assert.Single((defaults with { Prompts = 40_000, MaxImagesPerPrompt = 32 }).Problems()), StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_NameEachBadSetting_AndTheDefaultsHaveNone()
    {
        var defaults = new ShapesPairsOptions { Output = "out", ModelPath = "model" };
        Assert.Empty(defaults.Problems());

        var bad = defaults with { Prompts = 0, Steps = -1, Seed = -2, ImagesPerPrompt = 1 };
        var problems = bad.Problems();
        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("prompts must be positive", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("steps must be positive", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("seed must not be negative", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("images per prompt must be at least 2", StringComparison.Ordinal));
        Assert.Contains("overlap", Assert.Single((defaults with { Prompts = 200_000, ImagesPerPrompt = 8 }).Problems()), StringComparison.Ordinal);
    }
}
