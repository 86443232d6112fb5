using System.Globalization;
using Chats.Inference.Roles;
using Chats.Inference.Engine;
using Chats.Inference.Local;
using Chats.Core.Loading;
using Chats.Training.Data;
using Chats.Training.Shapes;
using Chats.Training.Tests.Data;
using Chats.Training.Tests.Training;
using static TorchSharp.torch;
using Chats.Tools;

namespace Chats.Training.Tests.Shapes;

[Collection(SerialTorchTests.Name)]
public sealed class ShapesPreferencePairsTests : IDisposable
{
    private const int Prompts = 4;
    private const int PerPrompt = 4;

    private readonly TempFolder _temp = new();

    public ShapesPreferencePairsTests()
    {
        set_num_threads(1); // see TinyModels: one libtorch thread on the shared cores
        TinyPipelineBuilder.Create(Model);
    }

    private string Model => _temp.Combine("model");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task FakeJudge_PairsJudgedImages_CountsAgree_AndASecondRunIsByteIdentical()
    {
        var ct = TestContext.Current.CancellationToken;

        // The random tiny model never draws a ShapesEval scene: a judge from the pixels' hash gives both outcomes.
        static bool ByHash(ShapesPrompt prompt, RgbImage image) => (image.Rgb.Aggregate(17, (h, b) => unchecked((h * 31) + b)) & 1) == 0;
        var verdicts = new List<(ShapesPrompt Prompt, bool Correct)>();
        var options = Options("first") with { Judge = (prompt, image) => Record(verdicts, prompt, ByHash(prompt, image)) };
        var progress = new ShapesPairsProgressLog();

        using (var pipeline = LocalPipeline.Open(Model))
        {
            var summary = await ShapesPreferencePairs.GenerateAsync(pipeline, options, progress, ct);
            var loaded = ShapesPairsSummary.Load(options.Output);
            Assert.Equal(summary.Categories, loaded.Categories);
            Assert.Equal(summary, loaded with { Categories = summary.Categories });
            var pairs = CheckFolder(options, verdicts, summary, ByHash);
            Assert.NotEmpty(pairs); // otherwise this test would not exercise pairing
            Assert.Equal(Enumerable.Range(1, Prompts), progress.Reports.Select(r => r.PromptsDone));
            Assert.All(progress.Reports, r => Assert.Equal(Prompts, r.TotalPrompts));
            Assert.Equal(pairs.Count, progress.Reports[^1].Pairs);

            var again = Options("second") with { Judge = ByHash };
            await ShapesPreferencePairs.GenerateAsync(pipeline, again, null, ct);
            foreach (string file in Directory.EnumerateFiles(options.Output, "*", SearchOption.AllDirectories))
            {
                string relative = Path.GetRelativePath(options.Output, file);
                Assert.True(File.ReadAllBytes(file).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(again.Output, relative))), relative);
            }

            Assert.Equal(
                Directory.GetFiles(options.Output, "*", SearchOption.AllDirectories).Length,
                Directory.GetFiles(again.Output, "*", SearchOption.AllDirectories).Length);
        }
    }

    [Fact]
    public async Task RealScorer_SummaryIsConsistentWithTheJudgementsAndThePairs()
    {
        var verdicts = new List<(ShapesPrompt Prompt, bool Correct)>();
        static bool Scorer(ShapesPrompt prompt, RgbImage image) => ShapesScorer.Judge(prompt, image.Rgb, image.Width, image.Height);
        var options = Options("scored") with { Judge = (prompt, image) => Record(verdicts, prompt, Scorer(prompt, image)) };

        using var pipeline = LocalPipeline.Open(Model);
        var summary = await ShapesPreferencePairs.GenerateAsync(pipeline, options, null, TestContext.Current.CancellationToken);

        CheckFolder(options, verdicts, summary, Scorer);
        Assert.Equal(Path.GetFullPath(Model), summary.Model);
        Assert.Equal((5f, 2, 64, 64), (summary.GuidanceScale, summary.Steps, summary.Width, summary.Height));
        Assert.Equal(Core.Guidance.GuidanceMode.Cfg, summary.Mode);
    }

    [Fact]
    public async Task Budget_ExtraRoundsGoToCategoriesShortOfPairs_WithinTheCap_OnFreshSeeds_AndTheSummaryCountsThem()
    {
        var ct = TestContext.Current.CancellationToken;

        // Mostly wrong (one image in four right, by pixel hash): few pairs from the first round of 4 images.
        static bool Rarely(ShapesPrompt prompt, RgbImage image) => (image.Rgb.Aggregate(17, (h, b) => unchecked((h * 31) + b)) & 3) == 0;
        var verdicts = new List<(ShapesPrompt Prompt, bool Correct)>();
        const int Cap = 12, Target = 3;
        var options = Options("budget") with
        {
            MinPairsPerCategory = Target,
            MaxImagesPerPrompt = Cap,
            Judge = (prompt, image) => Record(verdicts, prompt, Rarely(prompt, image)),
        };
        var progress = new ShapesPairsProgressLog();

        using var pipeline = LocalPipeline.Open(Model);
        var summary = await ShapesPreferencePairs.GenerateAsync(pipeline, options, progress, ct);

        Assert.True(summary.Rounds > 1, "no extra round was needed; the test would not exercise the budget");
        Assert.Equal((Target, Cap), (summary.MinPairsPerCategory, summary.MaxImagesPerPrompt));
        Assert.Equal(ShapesPairsSummary.Load(options.Output) with { Categories = summary.Categories }, summary);
        Assert.Equal(verdicts.Count, summary.Total.Images);
        Assert.Equal(summary.Total.Images - (Prompts * PerPrompt), summary.Total.ExtraImages);
        Assert.True(summary.Total.ExtraImages > 0);
        Assert.Equal(Enumerable.Range(1, Prompts), progress.Reports.Where(r => r.Round == 0).Select(r => r.PromptsDone));
        Assert.Equal(summary.Rounds - 1, progress.Reports.Max(r => r.Round));

        var pairs = new PreferenceFolderReader(options.Output).ReadAll();
        Assert.Equal(summary.Total.Pairs, pairs.Count);
        var byPrompt = verdicts.GroupBy(v => v.Prompt).ToList();
        foreach (var category in ShapesVocabulary.Categories)
        {
            var counts = summary.Categories[ShapesVocabulary.CategoryName(category)];
            var mine = byPrompt.Where(g => g.Key.Category == category).ToList();
            Assert.Equal(mine.Sum(g => g.Count()), counts.Images);
            Assert.Equal(mine.Sum(g => g.Count(v => v.Correct)), counts.CorrectImages);
            Assert.Equal(mine.Sum(g => Math.Min(g.Count(v => v.Correct), g.Count(v => !v.Correct))), counts.Pairs);
            Assert.All(mine, g => Assert.InRange(g.Count(), PerPrompt, Cap));
            // A category stops short of the target only when every one of its prompts has reached the cap.
            Assert.True(counts.Pairs >= Target || mine.All(g => g.Count() == Cap), $"{category}: {counts.Pairs} pairs with room left");
            if (counts.ExtraImages > 0)
            {
                Assert.True(mine.Sum(g => Math.Min(g.Take(PerPrompt).Count(v => v.Correct), g.Take(PerPrompt).Count(v => !v.Correct))) < Target, $"{category} was sampled past the first round with its target met");
            }
        }

        // Every pair's images carry seeds of their own prompt (first round or extra), never shared between pairs.
        var seeds = pairs.SelectMany(p => new[] { p.Metadata["chosen_seed"], p.Metadata["rejected_seed"] }).Select(s => ulong.Parse(s, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(seeds.Count, seeds.Distinct().Count());
        foreach (var pair in pairs)
        {
            int p = int.Parse(pair.Id!.Split('-')[0], CultureInfo.InvariantCulture);
            var allowed = Enumerable.Range(0, Cap).Select(j => options.ImageSeed(p, j)).ToHashSet();
            Assert.Contains(ulong.Parse(pair.Metadata["chosen_seed"], CultureInfo.InvariantCulture), allowed);
            Assert.Contains(ulong.Parse(pair.Metadata["rejected_seed"], CultureInfo.InvariantCulture), allowed);
            Assert.True(Rarely(ShapesPrompt.Parse(pair.Prompt), pair.Chosen));
            Assert.False(Rarely(ShapesPrompt.Parse(pair.Prompt), pair.Rejected));
        }
    }

    [Fact]
    public async Task ExistingPairsFileOrOtherFiles_AreRefusedBeforeSampling()
    {
        var options = Options("taken");
        Directory.CreateDirectory(options.Output);
        await File.WriteAllTextAsync(Path.Combine(options.Output, PreferenceFolderReader.PairsFileName), "kept\n", TestContext.Current.CancellationToken);
        int judged = 0;

        using var pipeline = LocalPipeline.Open(Model);
        var e = await Assert.ThrowsAsync<IOException>(() => ShapesPreferencePairs.GenerateAsync(
            pipeline, options with { Judge = (_, _) => ++judged > 0 }, null, TestContext.Current.CancellationToken));

        Assert.Contains(PreferenceFolderReader.PairsFileName, e.Message, StringComparison.Ordinal);
        Assert.Equal(0, judged);
        Assert.Equal("kept\n", await File.ReadAllTextAsync(Path.Combine(options.Output, PreferenceFolderReader.PairsFileName), TestContext.Current.CancellationToken));

        string other = _temp.Combine("occupied");
        Directory.CreateDirectory(other);
        await File.WriteAllTextAsync(Path.Combine(other, "notes.txt"), "mine\n", TestContext.Current.CancellationToken);
        var occupied = await Assert.ThrowsAsync<IOException>(() => ShapesPreferencePairs.GenerateAsync(
            pipeline, Options("occupied"), null, TestContext.Current.CancellationToken));
        Assert.Contains("not an empty folder", occupied.Message, StringComparison.Ordinal);
        Assert.Single(Directory.EnumerateFileSystemEntries(other));
    }

    [Fact]
    public async Task Cancel_LeavesOnlyThePartialFolder_AndTheNextRunReplacesIt()
    {
        var ct = TestContext.Current.CancellationToken;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var progress = new ShapesPairsProgressLog(_ => cancel.Cancel());
        var options = Options("cancelled") with { Judge = (_, _) => true };
        Directory.CreateDirectory(options.Output); // an empty folder is accepted

        using var pipeline = LocalPipeline.Open(Model);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ShapesPreferencePairs.GenerateAsync(pipeline, options, progress, cancel.Token));

        Assert.Single(progress.Reports);
        Assert.Empty(Directory.EnumerateFileSystemEntries(options.Output));
        string partial = options.Output + ShapesPreferencePairs.PartialSuffix;
        Assert.True(File.Exists(Path.Combine(partial, PreferenceFolderReader.PairsFileName)));
        Assert.False(File.Exists(Path.Combine(partial, ShapesPairsSummary.FileName)));

        var summary = await ShapesPreferencePairs.GenerateAsync(pipeline, options with { Prompts = 1 }, null, ct);
        Assert.Equal(1, summary.Total.Prompts);
        Assert.False(Directory.Exists(partial));
        Assert.True(File.Exists(Path.Combine(options.Output, ShapesPairsSummary.FileName)));
        Assert.Empty(new PreferenceFolderReader(options.Output).ReadAll()); // every image "correct": no pairs
    }

    private ShapesPairsOptions Options(string output) => new()
    {
        Output = _temp.Combine(output),
        ModelPath = Path.GetFullPath(Model),
        Prompts = Prompts,
        ImagesPerPrompt = PerPrompt,
        Steps = 2,
        Seed = 3,
    };

    private static bool Record(List<(ShapesPrompt, bool)> verdicts, ShapesPrompt prompt, bool correct)
    {
        verdicts.Add((prompt, correct));
        return correct;
    }

    // Checks the folder against the judge's verdicts (K per prompt, in order) and returns its pairs.
    private static IReadOnlyList<PreferencePair> CheckFolder(
        ShapesPairsOptions options, List<(ShapesPrompt Prompt, bool Correct)> verdicts, ShapesPairsSummary summary, Func<ShapesPrompt, RgbImage, bool> judge)
    {
        Assert.Equal(Prompts * PerPrompt, verdicts.Count);
        var perPrompt = verdicts.Chunk(PerPrompt).Select(c => (c[0].Prompt, Correct: c.Count(v => v.Correct))).ToList();
        Assert.All(verdicts.Chunk(PerPrompt), c => Assert.All(c, v => Assert.Equal(c[0].Prompt, v.Prompt)));

        var pairs = new PreferenceFolderReader(options.Output).ReadAll();
        Assert.Equal(perPrompt.Sum(p => Math.Min(p.Correct, PerPrompt - p.Correct)), pairs.Count);
        Assert.Equal(pairs.Count, File.ReadAllLines(Path.Combine(options.Output, PreferenceFolderReader.PairsFileName)).Length);

        var expectedTotal = new ShapesPairsCounts
        {
            Prompts = Prompts,
            Images = Prompts * PerPrompt,
            CorrectImages = perPrompt.Sum(p => p.Correct),
            PromptsWithBothOutcomes = perPrompt.Count(p => p.Correct > 0 && p.Correct < PerPrompt),
            Pairs = pairs.Count,
        };
        Assert.Equal(expectedTotal, summary.Total);
        Assert.Equal((Prompts, PerPrompt, options.Seed), (summary.Prompts, summary.ImagesPerPrompt, summary.Seed));
        Assert.Equal(ShapesVocabulary.Categories.Select(ShapesVocabulary.CategoryName), summary.Categories.Keys);
        foreach (var category in ShapesVocabulary.Categories)
        {
            var mine = perPrompt.Where(p => p.Prompt.Category == category).ToList();
            var counts = summary.Categories[ShapesVocabulary.CategoryName(category)];
            Assert.Equal((mine.Count, mine.Count * PerPrompt, mine.Sum(p => p.Correct)), (counts.Prompts, counts.Images, counts.CorrectImages));
            Assert.Equal(mine.Sum(p => Math.Min(p.Correct, PerPrompt - p.Correct)), counts.Pairs);
        }

        foreach (var pair in pairs)
        {
            var prompt = ShapesPrompt.Parse(pair.Prompt);
            int p = int.Parse(pair.Id!.Split('-')[0], CultureInfo.InvariantCulture);
            Assert.Equal(perPrompt[p].Prompt, prompt);
            Assert.Equal(ShapesVocabulary.CategoryName(prompt.Category), pair.Metadata["category"]);
            ulong first = options.RequestSeed(p);
            foreach (string key in new[] { "chosen_seed", "rejected_seed" })
            {
                ulong seed = ulong.Parse(pair.Metadata[key], CultureInfo.InvariantCulture);
                Assert.InRange(seed, first, first + PerPrompt - 1);
            }

            Assert.True(judge(prompt, pair.Chosen), $"{pair.Id} chosen");
            Assert.False(judge(prompt, pair.Rejected), $"{pair.Id} rejected");
        }

        return pairs;
    }
}
