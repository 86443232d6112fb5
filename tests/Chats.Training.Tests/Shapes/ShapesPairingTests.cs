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
