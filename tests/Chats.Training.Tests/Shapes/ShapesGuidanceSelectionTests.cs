using Chats.Training.Shapes;
using Chats.Training.Tests.Data;

namespace Chats.Training.Tests.Shapes;

public sealed class ShapesGuidanceSelectionTests
{
    [Fact]
    public void Choose_TakesTheHighestOverall()
    {
        var chosen = ShapesGuidanceSelection.Choose([Candidate(1, 2), Candidate(3, 5), Candidate(5, 4)]);
        Assert.Equal(3f, chosen.GuidanceScale);
    }

    [Fact]
    public void Choose_BreaksTiesTowardsTheSmallerScale()
    {
        var chosen = ShapesGuidanceSelection.Choose([Candidate(7.5f, 5), Candidate(2, 5), Candidate(5, 5), Candidate(1, 1)]);
        Assert.Equal(2f, chosen.GuidanceScale);
    }

    [Fact]
    public void Choose_RefusesAnEmptyGrid() =>
        Assert.Throws<ArgumentException>(() => ShapesGuidanceSelection.Choose([]));

    [Fact]
    public void ValidationPrompts_AreAValidPromptSet_WithEveryCategory_AndDeterministic()
    {
        using var folder = new TempFolder();
        string a = folder.Combine("a.jsonl");
        string b = folder.Combine("b.jsonl");
        ShapesGuidanceSelection.WriteValidationPrompts(a, 5, seed: 7);
        ShapesGuidanceSelection.WriteValidationPrompts(b, 5, seed: 7);

        var entries = ShapesEvalSet.Load(a);
        Assert.Equal(30, entries.Count);
        foreach (var category in ShapesVocabulary.Categories)
        {
            Assert.Equal(5, entries.Count(e => e.Category == category));
        }

        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
    }

    [Fact]
    public void ValidationPrompts_WithoutExclusions_AreTheGeneratorsDraws()
    {
        using var folder = new TempFolder();
        string path = folder.Combine("v.jsonl");
        var covered = ShapesGuidanceSelection.WriteValidationPrompts(path, 4, seed: 7, exclude: null);

        Assert.Empty(covered);
        var generator = new ShapesPromptGenerator(7);
        var expected = ShapesVocabulary.Categories.SelectMany(c => Enumerable.Range(0, 4).Select(_ => generator.Next(c).ToText()));
        Assert.Equal(expected, ShapesEvalSet.Load(path).Select(e => e.Prompt.ToText()));
    }

    [Fact]
    public void ValidationPrompts_ExcludingThePublicSet_AvoidItsPrompts_WhereTheGrammarLeavesAny()
    {
        using var folder = new TempFolder();
        string path = folder.Combine("v.jsonl");
        var publicSet = ShapesEvalSet.Load(ShapesBenchmarkFiles.PublicPrompts);
        var publicTexts = publicSet.Select(e => e.Prompt.ToText()).ToHashSet(StringComparer.Ordinal);

        var covered = ShapesGuidanceSelection.WriteValidationPrompts(path, 48, seed: 11, publicTexts);

        var entries = ShapesEvalSet.Load(path);
        Assert.Equal(288, entries.Count);
        Assert.Empty(entries.Select(e => e.Id).Intersect(publicSet.Select(e => e.Id)));
        foreach (var category in ShapesVocabulary.Categories)
        {
            string name = ShapesVocabulary.CategoryName(category);
            bool allPublic = ShapesPromptGenerator.All(category).All(p => publicTexts.Contains(p.ToText()));
            Assert.Equal(allPublic, covered.Contains(name));
            if (!allPublic)
            {
                Assert.DoesNotContain(entries, e => e.Category == category && publicTexts.Contains(e.Prompt.ToText()));
            }
        }

        // The public set holds every prompt of the five small categories; only color_attr (180 prompts) has room.
        Assert.Equal(["single_object", "two_object", "counting", "colors", "position"], covered);
    }

    [Fact]
    public void ValidationSeeds_GiveNoiseSeedsDisjointFromTheEvaluationSeeds()
    {
        var evaluation = ShapesEvalSet.Seeds.SelectMany(s => Enumerable.Range(0, 1000).Select(i => ShapesEvalSet.NoiseSeed(s, i))).ToHashSet();
        var validation = ShapesGuidanceSelection.ValidationSeeds.SelectMany(s => Enumerable.Range(0, 1000).Select(i => ShapesEvalSet.NoiseSeed(s, i)));
        Assert.DoesNotContain(validation, evaluation.Contains);
    }

    /// <summary>A report whose overall score is <paramref name="correct"/> of 10 in every category.</summary>
    private static GuidanceCandidate Candidate(float scale, int correct)
    {
        var judgements = ShapesVocabulary.Categories
            .SelectMany(c => Enumerable.Range(0, 10).Select(i => new ShapesJudgement(c, 0, i < correct)));
        return new GuidanceCandidate(scale, ShapesReport.FromJudgements(judgements));
    }
}
