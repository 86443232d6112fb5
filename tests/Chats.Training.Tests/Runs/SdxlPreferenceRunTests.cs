using Chats.Core.Guidance;
using Chats.Core.Loading;
using Chats.Core.Sampling;
using Chats.Inference.Local;
using Chats.Inference.Models.UNet2DCondition;
using Chats.Training.Data;
using Chats.Training.Losses;
using Chats.Training.Runs;
using Chats.Training.Shapes;
using Chats.Training.Tests.Data;
using Chats.Training.Tests.Training;
using Chats.Training.Training;
using static TorchSharp.torch;

namespace Chats.Training.Tests.Runs;

/// <summary>
/// A preference run end to end over an SDXL reference: a copy of the tiny-sdxl fixture (text_time UNet, CLIP and
/// CLIP-with-projection encoders, 8× VAE, Euler scheduler) trained at 64 pixels (8×8 latents, time ids
/// (64, 64, 0, 0, 64, 64)); the written pipeline is then served by <see cref="LocalPipeline"/>.
/// </summary>
[Collection(SerialTorchTests.Name)]
public sealed class SdxlPreferenceRunTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public SdxlPreferenceRunTests()
    {
        set_num_threads(1); // see TinyModels
        CopyFixture(TinySdxlModels.SdxlPipeline, Reference);
        WritePairs(_temp.Combine("pairs"));
    }

    private string Reference => _temp.Combine("reference");

    public void Dispose() => _temp.Dispose();

    private PreferenceRunOptions Options(PreferenceMethod method, int steps, string output) => new()
    {
        ReferenceModel = Reference,
        Data = _temp.Combine("pairs"),
        Output = _temp.Combine(output),
        Method = method,
        Steps = steps,
        BatchSize = 2,
        LearningRate = 1e-3,
        CheckpointEvery = 2,
        Seed = 5,
        Resolution = TinySdxlModels.Resolution,
        TorchThreads = 1,
    };

    [Fact]
    public async Task Chats_WritesAnSdxlPipelineWithUNetWinAndLose_ThatGenerates()
    {
        var ct = TestContext.Current.CancellationToken;
        var reports = new List<TrainingProgress>();
        var result = await PreferenceRun.RunAsync(Options(PreferenceMethod.Chats, 3, "chats"), new InlineProgress(reports.Add), ct);

        Assert.Equal(3, result.Step);
        Assert.Equal(4, result.Pairs);
        Assert.Equal([1, 2, 3], reports.Select(r => r.Step));
        Assert.All(reports, r => Assert.True(float.IsFinite(r.Loss)));
        TestContext.Current.TestOutputHelper?.WriteLine($"step losses {string.Join(", ", reports.Select(r => r.Loss))}");
        Assert.Equal(TinySdxlModels.Resolution, PreferenceRunNote.Parse(TrainingCheckpoint.ReadState(result.Output).Note)!.Resolution);

        var folder = DiffusersPipelineFolder.Open(result.Output);
        Assert.Equal("UNet2DConditionModel", folder.ComponentClass("unet_win"));
        Assert.Equal("UNet2DConditionModel", folder.ComponentClass("unet_lose"));
        Assert.False(folder.HasComponent("unet"));
        Assert.False(Directory.Exists(Path.Combine(result.Output, "unet")));
        foreach (string component in new[] { "text_encoder", "text_encoder_2", "tokenizer", "tokenizer_2", "vae", "scheduler" })
        {
            Assert.True(folder.HasComponent(component) && Directory.Exists(Path.Combine(result.Output, component)), component);
        }

        using (var reference = UNet2DConditionModel.Load(Path.Combine(Reference, "unet")))
        using (var win = UNet2DConditionModel.Load(folder.ComponentPath("unet_win")))
        using (var lose = UNet2DConditionModel.Load(folder.ComponentPath("unet_lose")))
        {
            Assert.Equal("text_time", win.Config.AdditionEmbedType);
            Assert.NotEqual(TinyModels.Flat(reference), TinyModels.Flat(win));
            Assert.NotEqual(TinyModels.Flat(win), TinyModels.Flat(lose));
        }

        // Served as written: CHATS guidance over the trained θ+ / θ− at the training size.
        var request = new GenerationRequestInput("a red circle", string.Empty, 64, 64, 2, 1, null, null, GuidanceMode.Chats, null, 1);
        using var trained = LocalPipeline.Open(result.Output);
        var image = Assert.Single(await trained.GenerateAsync(request, ct));
        Assert.Equal((64, 64), (image.Width, image.Height));
    }

    [Fact]
    public async Task Dpo_WritesOneUNet_AndResumeMatchesTheUninterruptedRun()
    {
        var ct = TestContext.Current.CancellationToken;
        var straight = await PreferenceRun.RunAsync(Options(PreferenceMethod.DiffusionDpo, 4, "straight") with { CheckpointEvery = 100 }, null, ct);
        await PreferenceRun.RunAsync(Options(PreferenceMethod.DiffusionDpo, 2, "split"), null, ct);
        var split = await PreferenceRun.RunAsync(Options(PreferenceMethod.DiffusionDpo, 4, "split"), null, ct);

        Assert.Equal(2, split.StartStep);
        var folder = DiffusersPipelineFolder.Open(split.Output);
        Assert.Equal("UNet2DConditionModel", folder.ComponentClass("unet"));
        Assert.False(folder.HasComponent("unet_win"));
        byte[] weights = File.ReadAllBytes(Path.Combine(straight.Output, "unet", UNet2DConditionModel.WeightsFileName));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(Reference, "unet", UNet2DConditionModel.WeightsFileName)), weights);
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(split.Output, "unet", UNet2DConditionModel.WeightsFileName)));

        // Served as written, and not the reference's image for the same request.
        var request = new GenerationRequestInput("a red circle", string.Empty, 64, 64, 2, 1, null, null, GuidanceMode.Cfg, null, 1);
        using var served = LocalPipeline.Open(split.Output);
        var image = Assert.Single(await served.GenerateAsync(request, ct));
        Assert.Equal((64, 64), (image.Width, image.Height));
        using var original = LocalPipeline.Open(Reference);
        Assert.NotEqual(Assert.Single(await original.GenerateAsync(request, ct)).Png, image.Png);
    }

    [Fact]
    public async Task Chats_ResumeMatchesTheUninterruptedRun()
    {
        var ct = TestContext.Current.CancellationToken;
        var straight = await PreferenceRun.RunAsync(Options(PreferenceMethod.Chats, 4, "straight") with { CheckpointEvery = 100 }, null, ct);
        await PreferenceRun.RunAsync(Options(PreferenceMethod.Chats, 2, "split"), null, ct);
        var split = await PreferenceRun.RunAsync(Options(PreferenceMethod.Chats, 4, "split"), null, ct);

        foreach (string component in new[] { "unet_win", "unet_lose" })
        {
            using var a = UNet2DConditionModel.Load(Path.Combine(straight.Output, component));
            using var b = UNet2DConditionModel.Load(Path.Combine(split.Output, component));
            Assert.Equal(TinyModels.Flat(a), TinyModels.Flat(b));
        }
    }

    [Fact]
    public async Task EmptyPromptNullConditioning_Trains()
    {
        var options = Options(PreferenceMethod.Chats, 1, "empty") with { NullConditioning = NullConditioningKind.EmptyPrompt, PUncond = 1 };
        var result = await PreferenceRun.RunAsync(options, null, TestContext.Current.CancellationToken);

        Assert.True(result.LastLoss is float loss && float.IsFinite(loss));
    }

    // The fixture without its reference cases, as plain writable files.
    private static void CopyFixture(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (string file in Directory.GetFiles(source))
        {
            File.WriteAllBytes(Path.Combine(target, Path.GetFileName(file)), File.ReadAllBytes(file));
        }

        foreach (string dir in Directory.GetDirectories(source).Where(d => Path.GetFileName(d) != "cases"))
        {
            CopyFixture(dir, Path.Combine(target, Path.GetFileName(dir)));
        }
    }

    // Four pairs: a rendered ShapesEval scene for its prompt (chosen) against a blank white image (rejected).
    private static void WritePairs(string folder)
    {
        var prompts = new ShapesPromptGenerator(3);
        var rng = new Random(4);
        var blank = TestImages.Solid(ShapesVocabulary.Width, ShapesVocabulary.Height, 255, 255, 255);
        using var writer = new PreferenceFolderWriter(folder);
        for (int i = 0; i < 4; i++)
        {
            var prompt = prompts.Next();
            var scene = ShapesRenderer.Render(prompt, rng);
            var chosen = new RgbImage(ShapesVocabulary.Width, ShapesVocabulary.Height, ShapesRenderer.RenderRgb(scene));
            writer.Write(new PreferencePair(prompt.ToText(), chosen, blank));
        }
    }
}
