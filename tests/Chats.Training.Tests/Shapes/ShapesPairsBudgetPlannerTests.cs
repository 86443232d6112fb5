using Chats.Training.Data;
using Chats.Training.Shapes;

namespace Chats.Training.Tests.Shapes;

/// <summary>The per-category sampling budget of preference-pair generation, without a model.</summary>
public sealed class ShapesPairsBudgetPlannerTests
{
    [Theory]
    [InlineData(0, 0, 2, 0.5)] // r 1/2: x = 1 (prob 1/2) gives a pair
    [InlineData(2, 0, 1, 0.25)] // r 1/4: a correct image (prob 1/4) pairs with a waiting incorrect one
    [InlineData(1, 0, 1, 1.0 / 3)] // r 1/3
    [InlineData(2, 1, 1, 0)] // one more image of a balanced prompt can never add a pair
    [InlineData(4, 2, 4, 1.25)] // r 1/2: E[min(2 + X, 6 - X)] = (2 + 12 + 24 + 12 + 2) / 16 = 3.25, minus 2
    [InlineData(8, 4, 0, 0)]
    public void ExpectedNewPairs_MatchHandComputedValues(int images, int correct, int more, double expected) =>
        Assert.Equal(expected, ShapesPairsBudgetPlanner.ExpectedNewPairs(images, correct, more), 12);

    [Fact]
    public void TargetsMet_PlanNothing()
    {
        var tallies = Tallies(3, (_, _) => (4, 2)); // 2 pairs a prompt, 6 a category

        Assert.Empty(ShapesPairsBudgetPlanner.NextRound(tallies, 4, 16, 6));
        Assert.Empty(ShapesPairsBudgetPlanner.NextRound(tallies, 4, 16, 0));
    }

    [Fact]
    public void OnlyAThinCategoryIsSampled_LikeliestPromptsFirst_UntilTheShortfallIsCoveredInExpectation()
    {
        // counting's prompts 6, 7, 8 have (4, 0), (4, 2), (4, 4): 2 pairs; every other category has 6.
        var tallies = Tallies(3, (c, i) => c == ShapesCategory.Counting ? (4, i * 2) : (4, 2));

        // One pair short: prompt 7 alone (1.25 expected new pairs) covers it.
        Assert.Equal([new ShapesSampleRequest(7, 4, 4)], ShapesPairsBudgetPlanner.NextRound(tallies, 4, 16, 3));

        // Three pairs short: 1.25 + 2/3 + 2/3 < 3, so all three prompts, listed in prompt order.
        Assert.Equal(
            [new ShapesSampleRequest(6, 4, 4), new ShapesSampleRequest(7, 4, 4), new ShapesSampleRequest(8, 4, 4)],
            ShapesPairsBudgetPlanner.NextRound(tallies, 4, 16, 5));
    }

    [Fact]
    public void TheCapIsRespected_APromptAtItIsSkipped_OneNearItGetsOnlyWhatFits()
    {
        // counting: prompt 6 at the cap of 8, prompt 7 at 6 images, prompt 8 at 8; no pairs anywhere in counting.
        var tallies = Tallies(3, (c, i) => c == ShapesCategory.Counting ? (i == 1 ? 6 : 8, 0) : (4, 2));

        Assert.Equal([new ShapesSampleRequest(7, 6, 2)], ShapesPairsBudgetPlanner.NextRound(tallies, 4, 8, 5));
        Assert.Empty(ShapesPairsBudgetPlanner.NextRound([.. tallies.Select(t => t with { Images = 8 })], 4, 8, 5));
    }

    [Fact]
    public void Simulated_ThinCategoriesGetMoreImages_MetTargetsStopSampling_AndTheCapHolds()
    {
        // Each category's images are correct with a fixed rate; color_attr never, so it can only stop at the cap.
        var rates = new Dictionary<ShapesCategory, double>
        {
            [ShapesCategory.SingleObject] = 0.5,
            [ShapesCategory.TwoObject] = 0.5,
            [ShapesCategory.Counting] = 0.05,
            [ShapesCategory.Colors] = 0.5,
            [ShapesCategory.Position] = 0.15,
            [ShapesCategory.ColorAttr] = 0,
        };
        const int K = 4, Cap = 16, Target = 8, PerCategory = 10;
        var random = new Random(11);
        var tallies = Tallies(PerCategory, (_, _) => (0, 0)).ToArray();
        void Sample(int prompt, int count)
        {
            var t = tallies[prompt];
            int correct = Enumerable.Range(0, count).Count(_ => random.NextDouble() < rates[t.Category]);
            tallies[prompt] = t with { Images = t.Images + count, Correct = t.Correct + correct };
        }

        for (int p = 0; p < tallies.Length; p++)
        {
            Sample(p, K);
        }

        int Pairs(ShapesCategory c) => tallies.Where(t => t.Category == c).Sum(t => t.Pairs);
        var metInFirstRound = ShapesVocabulary.Categories.Where(c => Pairs(c) >= Target).ToList();
        Assert.NotEmpty(metInFirstRound); // otherwise the test would not show that met targets stop sampling
        int rounds = 0;
        while (ShapesPairsBudgetPlanner.NextRound(tallies, K, Cap, Target) is { Count: > 0 } requests)
        {
            Assert.True(++rounds < 100, "the planner does not stop");

            // A round is planned from the tallies at its start; a category may reach its target part-way through.
            var shortOfPairs = ShapesVocabulary.Categories.Where(c => Pairs(c) < Target).ToHashSet();
            foreach (var request in requests)
            {
                var t = tallies[request.Prompt];
                Assert.True(shortOfPairs.Contains(t.Category), $"round {rounds} samples {t.Category}, which had its {Target} pairs");
                Assert.Equal(t.Images, request.FirstImage);
                Assert.InRange(request.Count, 1, K);
                Sample(request.Prompt, request.Count);
            }
        }

        Assert.All(tallies, t => Assert.InRange(t.Images, K, Cap));
        int Images(ShapesCategory c) => tallies.Where(t => t.Category == c).Sum(t => t.Images);
        foreach (var category in ShapesVocabulary.Categories)
        {
            bool capped = tallies.Where(t => t.Category == category).All(t => t.Images == Cap);
            Assert.True(Pairs(category) >= Target || capped, $"{category}: {Pairs(category)} pairs and room left");
        }

        Assert.All(metInFirstRound, c => Assert.Equal(PerCategory * K, Images(c)));
        Assert.Equal(PerCategory * Cap, Images(ShapesCategory.ColorAttr));
        Assert.Equal(0, Pairs(ShapesCategory.ColorAttr));
        Assert.True(Images(ShapesCategory.Counting) > metInFirstRound.Max(Images));
        Assert.True(Images(ShapesCategory.Position) > metInFirstRound.Max(Images));
    }

    [Fact]
    public void IncrementalPairing_GivesThePairsOfPairOnAllVerdicts_InTheSameOrder()
    {
        var random = new Random(5);
        var image = new RgbImage(1, 1, new byte[3]);
        for (int trial = 0; trial < 50; trial++)
        {
            bool[] correct = [.. Enumerable.Range(0, random.Next(0, 20)).Select(_ => random.Next(3) == 0)];
            var pairing = new ShapesPromptPairing();
            var pairs = new List<(int, int)>();
            for (int i = 0; i < correct.Length; i++)
            {
                if (pairing.Add(image, (ulong)i, correct[i]) is { } pair)
                {
                    pairs.Add(((int)pair.Chosen.Seed, (int)pair.Rejected.Seed));
                }
            }

            Assert.Equal(ShapesPreferencePairs.Pair(correct), pairs);
            Assert.Equal((correct.Length, correct.Count(c => c), pairs.Count), (pairing.Images, pairing.Correct, pairing.Pairs));
        }
    }

    // perCategory prompts per category, numbered category by category in SPEC order; (images, correct) from state(category, i).
    private static List<ShapesPromptTally> Tallies(int perCategory, Func<ShapesCategory, int, (int Images, int Correct)> state) =>
        [.. ShapesVocabulary.Categories.SelectMany((c, ci) => Enumerable.Range(0, perCategory).Select(i =>
        {
            var (images, correct) = state(c, i);
            return new ShapesPromptTally((ci * perCategory) + i, c, images, correct);
        }))];
}
