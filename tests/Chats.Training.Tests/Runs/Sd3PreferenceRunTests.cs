using Chats.Core.Loading;
using Chats.Inference.Models.SD3Transformer;
using Chats.Inference.Models.Vae;
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
/// A preference run end to end over an SD3 reference: tiny-chats-sd3's transformers and scheduler, prompts encoded by
/// <see cref="SeededSd3TextEncoder"/>, and a 16-channel VAE with SD3's shift_factor and scaling_factor (built here
/// with quant convs, which our AutoencoderKL loads).
/// </summary>
[Collection(SerialTorchTests.Name)]
public sealed class Sd3PreferenceRunTests : IDisposable
{
    private const string Sd3LikeVaeConfig = """
        {"_class_name": "AutoencoderKL", "_diffusers_version": "0.29.2", "act_fn": "silu", "block_out_channels": [8, 16],
         "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D"], "in_channels": 3, "latent_channels": 16,
         "layers_per_block": 1, "norm_num_groups": 8, "out_channels": 3, "sample_size": 32, "scaling_factor": 1.5305,
         "shift_factor": 0.0609, "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D"]}
        """;

    private readonly TempFolder _temp = new();

    public Sd3PreferenceRunTests()
    {
        set_num_threads(1); // see TinyModels
        CreateReference(Reference);
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
        LearningRate = 1e-4,
        CheckpointEvery = 2,
        Seed = 5,
        TorchThreads = 1,
        NullConditioning = NullConditioningKind.EmptyPrompt,
        PUncond = 0.5,
    };

    [Fact]
    public async Task Chats_WritesAnSd3PipelineWithTransformerWinAndLose()
    {
        var ct = TestContext.Current.CancellationToken;
        using var text = new SeededSd3TextEncoder();
        var reports = new List<TrainingProgress>();
        var result = await PreferenceRun.RunAsync(Options(PreferenceMethod.Chats, 3, "chats"), text, new InlineProgress(reports.Add), ct);

        Assert.Equal(3, result.Step);
        Assert.Equal(4, result.Pairs);
        Assert.Equal([1, 2, 3], reports.Select(r => r.Step));
        Assert.All(reports, r => Assert.True(float.IsFinite(r.Loss)));
        var state = TrainingCheckpoint.ReadState(result.Output);
        Assert.Equal(3, state.Step);
        // The resolution came from the transformer's sample_size (16 latents) × the VAE's factor 2.
        Assert.Equal(32, PreferenceRunNote.Parse(state.Note)!.Resolution);

        var folder = DiffusersPipelineFolder.Open(result.Output);
        Assert.Equal("SD3Transformer2DModel", folder.ComponentClass("transformer_win"));
        Assert.Equal("SD3Transformer2DModel", folder.ComponentClass("transformer_lose"));
        Assert.False(folder.HasComponent("transformer"));
        Assert.True(folder.HasComponent("vae"));
        using var reference = SD3Transformer2DModel.Load(Path.Combine(Reference, "transformer_win"));
        using var win = SD3Transformer2DModel.Load(folder.ComponentPath("transformer_win"));
        using var lose = SD3Transformer2DModel.Load(folder.ComponentPath("transformer_lose"));
        Assert.NotEqual(TinyModels.Flat(reference), TinyModels.Flat(win));
        Assert.NotEqual(TinyModels.Flat(win), TinyModels.Flat(lose));
    }

    [Fact]
    public async Task Dpo_Resume_MatchesTheUninterruptedRun()
    {
        var ct = TestContext.Current.CancellationToken;
        using var text = new SeededSd3TextEncoder();
        var straight = await PreferenceRun.RunAsync(Options(PreferenceMethod.DiffusionDpo, 4, "straight") with { CheckpointEvery = 100 }, text, null, ct);
        await PreferenceRun.RunAsync(Options(PreferenceMethod.DiffusionDpo, 2, "split"), text, null, ct);
        var split = await PreferenceRun.RunAsync(Options(PreferenceMethod.DiffusionDpo, 4, "split"), text, null, ct);

        Assert.Equal(2, split.StartStep);
        var folder = DiffusersPipelineFolder.Open(split.Output);
        Assert.Equal("SD3Transformer2DModel", folder.ComponentClass("transformer"));
        Assert.False(folder.HasComponent("transformer_win"));
        Assert.Equal(
            File.ReadAllBytes(Path.Combine(straight.Output, "transformer", SD3Transformer2DModel.WeightsFileName)),
            File.ReadAllBytes(Path.Combine(split.Output, "transformer", SD3Transformer2DModel.WeightsFileName)));
    }

    [Fact]
    public async Task Chats_Resume_MatchesTheUninterruptedRun()
    {
        var ct = TestContext.Current.CancellationToken;
        using var text = new SeededSd3TextEncoder();
        var straight = await PreferenceRun.RunAsync(Options(PreferenceMethod.Chats, 4, "straight") with { CheckpointEvery = 100 }, text, null, ct);
        await PreferenceRun.RunAsync(Options(PreferenceMethod.Chats, 2, "split"), text, null, ct);
        var split = await PreferenceRun.RunAsync(Options(PreferenceMethod.Chats, 4, "split"), text, null, ct);

        foreach (string component in new[] { "transformer_win", "transformer_lose" })
        {
            using var a = SD3Transformer2DModel.Load(Path.Combine(straight.Output, component));
            using var b = SD3Transformer2DModel.Load(Path.Combine(split.Output, component));
            Assert.Equal(TinyModels.Flat(a), TinyModels.Flat(b));
        }
    }

    // tiny-chats-sd3 with its VAE swapped for one our AutoencoderKL builds (16 channels, SD3's shift and scale).
    private static void CreateReference(string folder)
    {
        foreach (string component in new[] { "transformer_win", "transformer_lose", "scheduler" })
        {
            Directory.CreateDirectory(Path.Combine(folder, component));
            foreach (string file in Directory.GetFiles(Path.Combine(TinySd3Models.ChatsPipeline, component)))
            {
                File.Copy(file, Path.Combine(folder, component, Path.GetFileName(file)));
            }
        }

        File.Copy(Path.Combine(TinySd3Models.ChatsPipeline, "model_index.json"), Path.Combine(folder, "model_index.json"));
        manual_seed(11);
        using var vae = new AutoencoderKL(AutoencoderKLConfig.Parse(Sd3LikeVaeConfig));
        vae.Save(Path.Combine(folder, "vae"));
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
