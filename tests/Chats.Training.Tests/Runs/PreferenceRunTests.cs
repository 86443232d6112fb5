using System.Text.Json;
using Chats.Core.Guidance;
using Chats.Inference.Roles;
using Chats.Inference.Engine;
using Chats.Inference.Local;
using Chats.Core.Loading;
using Chats.Inference.Models.UNet2DCondition;
using Chats.Core.Sampling;
using Chats.Training.Data;
using Chats.Training.Losses;
using Chats.Training.Runs;
using Chats.Training.Shapes;
using Chats.Training.Tests.Data;
using Chats.Training.Tests.Training;
using Chats.Training.Training;
using static TorchSharp.torch;
using Chats.Tools;

namespace Chats.Training.Tests.Runs;

[Collection(SerialTorchTests.Name)]
public sealed class PreferenceRunTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public PreferenceRunTests()
    {
        set_num_threads(1); // see TinyModels: one libtorch thread on the shared cores
        TinyPipelineBuilder.Create(Reference);
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
        Resolution = 32,
        TorchThreads = 1,
    };

    [Fact]
    public async Task Chats_WritesALoadablePipelineWithWinAndLoseModels_ThatGenerates()
    {
        var ct = TestContext.Current.CancellationToken;
        var reports = new List<TrainingProgress>();
        var result = await PreferenceRun.RunAsync(Options(PreferenceMethod.Chats, 3, "chats"), new InlineProgress(reports.Add), ct);

        Assert.Equal(0, result.StartStep);
        Assert.Equal(3, result.Step);
        Assert.Equal(4, result.Pairs);
        Assert.Equal([1, 2, 3], reports.Select(r => r.Step));
        Assert.All(reports, r => Assert.Equal(3, r.TotalSteps));

        var folder = DiffusersPipelineFolder.Open(result.Output);
        Assert.True(folder.HasComponent("unet_win"));
        Assert.True(folder.HasComponent("unet_lose"));
        Assert.False(folder.HasComponent("unet"));
        Assert.False(Directory.Exists(Path.Combine(result.Output, "unet")));
        Assert.Equal(3, TrainingCheckpoint.ReadState(result.Output).Step);

        using var reference = UNet2DConditionModel.Load(Path.Combine(Reference, "unet"));
        using var win = UNet2DConditionModel.Load(folder.ComponentPath("unet_win"));
        using var lose = UNet2DConditionModel.Load(folder.ComponentPath("unet_lose"));
        Assert.NotEqual(TinyModels.Flat(reference), TinyModels.Flat(win));
        Assert.NotEqual(TinyModels.Flat(win), TinyModels.Flat(lose));

        using var pipeline = LocalPipeline.Open(result.Output);
        var images = await pipeline.GenerateAsync(
            new GenerationRequestInput("a red circle", string.Empty, 32, 32, 2, 1, null, null, GuidanceMode.Chats, null, 1), ct);
        Assert.Single(images);
        Assert.Equal((32, 32), (images[0].Width, images[0].Height));
    }

    [Fact]
    public async Task Dpo_WritesOneUNetPipeline()
    {
        var ct = TestContext.Current.CancellationToken;
        var result = await PreferenceRun.RunAsync(Options(PreferenceMethod.DiffusionDpo, 1, "dpo"), null, ct);

        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(result.Output, "model_index.json")));
        Assert.True(index.RootElement.TryGetProperty("unet", out _));
        Assert.False(index.RootElement.TryGetProperty("unet_win", out _));
        Assert.False(index.RootElement.TryGetProperty("unet_lose", out _));
        foreach (string component in new[] { "tokenizer", "text_encoder", "vae", "scheduler" })
        {
            Assert.True(Directory.Exists(Path.Combine(result.Output, component)), component);
        }

        using var unet = UNet2DConditionModel.Load(Path.Combine(result.Output, "unet"));
        using var pipeline = LocalPipeline.Open(result.Output);
    }

    [Fact]
    public async Task Resume_ContinuesFromTheCheckpointStepToTheNewTarget()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await PreferenceRun.RunAsync(Options(PreferenceMethod.Chats, 2, "resume"), null, ct);
        Assert.Equal(2, TrainingCheckpoint.ReadState(first.Output).Step);

        var reports = new List<TrainingProgress>();
        var second = await PreferenceRun.RunAsync(Options(PreferenceMethod.Chats, 4, "resume"), new InlineProgress(reports.Add), ct);

        Assert.Equal(2, second.StartStep);
        Assert.Equal(4, second.Step);
        Assert.Equal([3, 4], reports.Select(r => r.Step));
        Assert.Equal(4, TrainingCheckpoint.ReadState(second.Output).Step);
    }

    [Fact]
    public async Task Resume_MatchesTheUninterruptedRun()
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
    public async Task Cancel_WritesACheckpointAtTheLastStep_ThatResumes()
    {
        var ct = TestContext.Current.CancellationToken;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var progress = new InlineProgress(p =>
        {
            if (p.Step == 3)
            {
                cancel.Cancel();
            }
        });
        var options = Options(PreferenceMethod.Chats, 10, "cancelled") with { CheckpointEvery = 100 };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PreferenceRun.RunAsync(options, progress, cancel.Token));
        Assert.Equal(3, TrainingCheckpoint.ReadState(options.Output).Step);

        var resumed = await PreferenceRun.RunAsync(options with { Steps = 4 }, null, ct);
        Assert.Equal((3, 4), (resumed.StartStep, resumed.Step));
    }

    [Fact]
    public async Task Resume_WithOtherSettings_IsRefusedNamingThem()
    {
        var ct = TestContext.Current.CancellationToken;
        var options = Options(PreferenceMethod.DiffusionDpo, 1, "mixed");
        await PreferenceRun.RunAsync(options, null, ct);

        var method = await Assert.ThrowsAsync<InvalidDataException>(() => PreferenceRun.RunAsync(options with { Method = PreferenceMethod.Chats, Steps = 2 }, null, ct));
        Assert.Contains("method dpo (given chats)", method.Message, StringComparison.Ordinal);
        var batch = await Assert.ThrowsAsync<InvalidDataException>(() => PreferenceRun.RunAsync(options with { BatchSize = 1, LearningRate = 1e-4, Steps = 2 }, null, ct));
        Assert.Contains("batch size 2 (given 1)", batch.Message, StringComparison.Ordinal);
        Assert.Contains("learning rate", batch.Message, StringComparison.Ordinal);
        Assert.Equal(1, TrainingCheckpoint.ReadState(options.Output).Step);
    }

    [Fact]
    public async Task EmptyPromptNullConditioning_Trains()
    {
        var options = Options(PreferenceMethod.Chats, 1, "empty") with { NullConditioning = NullConditioningKind.EmptyPrompt, PUncond = 1 };
        var result = await PreferenceRun.RunAsync(options, null, TestContext.Current.CancellationToken);

        Assert.True(result.LastLoss is float loss && float.IsFinite(loss));
        Assert.Contains("empty-prompt", TrainingCheckpoint.ReadState(result.Output).Note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParquetFile_IsReadAsTheDataSource()
    {
        var ct = TestContext.Current.CancellationToken;
        string path = _temp.Combine("pairs.parquet");
        var schema = new Parquet.Schema.ParquetSchema(
            new Parquet.Schema.DataField<string>("prompt"),
            new Parquet.Schema.DataField<byte[]>("chosen"),
            new Parquet.Schema.DataField<byte[]>("rejected"));
        var fields = schema.GetDataFields();
        await using (var stream = File.Create(path))
        await using (var writer = await Parquet.ParquetWriter.CreateAsync(schema, stream, cancellationToken: ct))
        {
            using var group = writer.CreateRowGroup();
            int[] rows = [0, 1, 2];
            await group.WriteAsync(fields[0], rows.Select(r => $"a red circle {r}").ToArray());
            await group.WriteAsync(fields[1], rows.Select(r => TestImages.Png(TestImages.ForRow(r, true))).ToArray());
            await group.WriteAsync(fields[2], rows.Select(r => TestImages.Png(TestImages.ForRow(r, false))).ToArray());
        }

        var result = await PreferenceRun.RunAsync(Options(PreferenceMethod.DiffusionDpo, 1, "parquet") with { Data = path }, null, ct);

        Assert.Equal(3, result.Pairs);
        Assert.Equal(1, TrainingCheckpoint.ReadState(result.Output).Step);
    }

    [Fact]
    public async Task SdxlTextTimeUNet_WithoutASecondTextEncoder_IsRefusedClearly()
    {
        // The tiny pipeline's unet with SDXL's text_time addition embedding (pooled width 32 + 6 time ids x 8), but
        // only SD1.5's one text encoder, which gives no pooled embedding.
        string unetDir = Path.Combine(Reference, "unet");
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(unetDir, "config.json")))!.AsObject();
        config["addition_embed_type"] = "text_time";
        config["addition_time_embed_dim"] = 8;
        config["projection_class_embeddings_input_dim"] = 32 + (6 * 8);
        using (var sdxl = new UNet2DConditionModel(UNet2DConditionConfig.Parse(config.ToJsonString(), "unet/config.json")))
        {
            sdxl.Save(unetDir);
        }

        var e = await Assert.ThrowsAsync<InvalidDataException>(
            () => PreferenceRun.RunAsync(Options(PreferenceMethod.Chats, 1, "sdxl"), null, TestContext.Current.CancellationToken));
        Assert.Contains("pooled", e.Message, StringComparison.Ordinal);
        Assert.Contains("text_encoder_2", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_temp.Combine("sdxl")));
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
            var chosen = new Chats.Training.Data.RgbImage(ShapesVocabulary.Width, ShapesVocabulary.Height, ShapesRenderer.RenderRgb(scene));
            writer.Write(new PreferencePair(prompt.ToText(), chosen, blank));
        }
    }
}
