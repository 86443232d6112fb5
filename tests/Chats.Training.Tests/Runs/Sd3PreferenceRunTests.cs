using Chats.Core.Guidance;
using Chats.Core.Loading;
using Chats.Core.Sampling;
using Chats.Inference.Local;
using Chats.Inference.Models.SD3Transformer;
using Chats.Training.Data;
using Chats.Training.Losses;
using Chats.Training.Runs;
using Chats.Training.Shapes;
using Chats.Training.Tests.Data;
using Chats.Training.Tests.Training;
using Chats.Training.Training;
using Chats.Tools;
using static TorchSharp.torch;

namespace Chats.Training.Tests.Runs;

/// <summary>
/// A preference run end to end over an SD3 reference: tiny-chats-sd3 (transformers, 16-channel shifted VAE without
/// quant convs, flow-match scheduler) with the tiny CLIP-L / CLIP-G encoders <see cref="TinyPipelineBuilder.CreateSd3(string, string, long)"/>
/// adds; the written pipeline is then served by <see cref="LocalPipeline"/>.
/// </summary>
[Collection(SerialTorchTests.Name)]
public sealed class Sd3PreferenceRunTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public Sd3PreferenceRunTests()
    {
        set_num_threads(1); // see TinyModels
        TinyPipelineBuilder.CreateSd3(Reference, TinySd3Models.ChatsPipeline);
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
        TorchThreads = 1,
        NullConditioning = NullConditioningKind.EmptyPrompt,
    };

    [Fact]
    public async Task Chats_WritesAnSd3PipelineWithTransformerWinAndLose_ThatGenerates()
    {
        var ct = TestContext.Current.CancellationToken;
        var reports = new List<TrainingProgress>();
        var result = await PreferenceRun.RunAsync(Options(PreferenceMethod.Chats, 3, "chats"), new InlineProgress(reports.Add), ct);

        Assert.Equal(3, result.Step);
        Assert.Equal(4, result.Pairs);
        Assert.Equal([1, 2, 3], reports.Select(r => r.Step));
        Assert.All(reports, r => Assert.True(float.IsFinite(r.Loss)));
        var state = TrainingCheckpoint.ReadState(result.Output);
        Assert.Equal(3, state.Step);
        // The resolution comes from the transformer's sample_size (16 latents) × the VAE's factor 2.
        Assert.Equal(32, PreferenceRunNote.Parse(state.Note)!.Resolution);

        var folder = DiffusersPipelineFolder.Open(result.Output);
        Assert.Equal("SD3Transformer2DModel", folder.ComponentClass("transformer_win"));
        Assert.Equal("SD3Transformer2DModel", folder.ComponentClass("transformer_lose"));
        Assert.False(folder.HasComponent("transformer"));
        foreach (string component in new[] { "text_encoder", "text_encoder_2", "tokenizer", "tokenizer_2", "vae", "scheduler" })
        {
            Assert.True(folder.HasComponent(component) && Directory.Exists(Path.Combine(result.Output, component)), component);
        }

        using (var reference = SD3Transformer2DModel.Load(Path.Combine(Reference, "transformer_win")))
        using (var win = SD3Transformer2DModel.Load(folder.ComponentPath("transformer_win")))
        using (var lose = SD3Transformer2DModel.Load(folder.ComponentPath("transformer_lose")))
        {
            Assert.NotEqual(TinyModels.Flat(reference), TinyModels.Flat(win));
            Assert.NotEqual(TinyModels.Flat(win), TinyModels.Flat(lose));
        }

        // Served as written: CHATS guidance over the trained θ+ / θ−, and not the reference's image.
        var request = new GenerationRequestInput("a red circle", string.Empty, 32, 32, 2, 1, null, null, GuidanceMode.Chats, null, 1);
        using var trained = LocalPipeline.Open(result.Output);
        var image = Assert.Single(await trained.GenerateAsync(request, ct));
        Assert.Equal((32, 32), (image.Width, image.Height));
        using var original = LocalPipeline.Open(Reference);
        Assert.NotEqual(Assert.Single(await original.GenerateAsync(request, ct)).Png, image.Png);
    }

    [Fact]
    public async Task Dpo_WritesOneTransformer_AndResumeMatchesTheUninterruptedRun()
    {
        var ct = TestContext.Current.CancellationToken;
        var straight = await PreferenceRun.RunAsync(Options(PreferenceMethod.DiffusionDpo, 4, "straight") with { CheckpointEvery = 100 }, null, ct);
        await PreferenceRun.RunAsync(Options(PreferenceMethod.DiffusionDpo, 2, "split"), null, ct);
        var split = await PreferenceRun.RunAsync(Options(PreferenceMethod.DiffusionDpo, 4, "split"), null, ct);

        Assert.Equal(2, split.StartStep);
        var folder = DiffusersPipelineFolder.Open(split.Output);
        Assert.Equal("SD3Transformer2DModel", folder.ComponentClass("transformer"));
        Assert.False(folder.HasComponent("transformer_win"));
        Assert.False(Directory.Exists(Path.Combine(split.Output, "transformer_win")));
        byte[] weights = File.ReadAllBytes(Path.Combine(straight.Output, "transformer", SD3Transformer2DModel.WeightsFileName));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(Reference, "transformer_win", SD3Transformer2DModel.WeightsFileName)), weights);
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(split.Output, "transformer", SD3Transformer2DModel.WeightsFileName)));

        using var served = LocalPipeline.Open(split.Output);
        var image = Assert.Single(await served.GenerateAsync(
            new GenerationRequestInput("a red circle", string.Empty, 32, 32, 2, 1, null, null, GuidanceMode.Cfg, null, 1), ct));
        Assert.Equal((32, 32), (image.Width, image.Height));
    }

    [Fact]
    public async Task Chats_ResumeMatchesTheUninterruptedRun()
    {
        var ct = TestContext.Current.CancellationToken;
        var straight = await PreferenceRun.RunAsync(Options(PreferenceMethod.Chats, 4, "straight") with { CheckpointEvery = 100 }, null, ct);
        await PreferenceRun.RunAsync(Options(PreferenceMethod.Chats, 2, "split"), null, ct);
        var split = await PreferenceRun.RunAsync(Options(PreferenceMethod.Chats, 4, "split"), null, ct);

        foreach (string component in new[] { "transformer_win", "transformer_lose" })
        {
            using var a = SD3Transformer2DModel.Load(Path.Combine(straight.Output, component));
            using var b = SD3Transformer2DModel.Load(Path.Combine(split.Output, component));
            Assert.Equal(TinyModels.Flat(a), TinyModels.Flat(b));
        }
    }

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
