using System.Text.Json.Nodes;
using Chats.Core.Guidance;
using Chats.Inference.Roles;
using Chats.Inference.Engine;
using Chats.Inference.Local;
using Chats.Core.Sampling;
using Chats.Training.Runs;
using Chats.Training.Tests.Data;
using Chats.Training.Tests.Training;

namespace Chats.Training.Tests.Runs;

[Collection(SerialTorchTests.Name)]
public sealed class ShapesBaseRunTests
{
    private static BaseRunOptions Options(string output, int steps) => new()
    {
        Output = output,
        Scenes = 12,
        VaeSteps = 2,
        VaeBatchSize = 2,
        DenoiserSteps = steps,
        DenoiserBatchSize = 2,
        CheckpointEvery = 1,
        Seed = 3,
        TorchThreads = 1,
    };

    [Fact]
    public async Task ATinyRun_WritesAPipelineThatGenerates_WithTheMeasuredScalingFactor()
    {
        using var folder = new TempFolder();
        var result = ShapesBaseRun.Run(Options(folder.Path, 2), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(2, result.Step);
        Assert.True(result.ScalingFactor > 0 && double.IsFinite(result.ScalingFactor));

        var vaeConfig = JsonNode.Parse(File.ReadAllText(folder.Combine("vae/config.json")))!;
        Assert.Equal(result.ScalingFactor, vaeConfig["scaling_factor"]!.GetValue<double>(), 12);
        Assert.True(File.Exists(folder.Combine("tokenizer/vocab.json")));
        Assert.Single(Directory.GetFiles(folder.Combine("text_encoder"), "*.safetensors"));

        using var pipeline = LocalPipeline.Open(folder.Path);
        var images = await pipeline.GenerateAsync(
            new GenerationRequestInput("a red circle", string.Empty, 64, 64, 2, 7, 3f, null, GuidanceMode.Cfg, null, 1),
            TestContext.Current.CancellationToken);
        Assert.Single(images);
        Assert.Equal(64, images[0].Width);
    }

    [Fact]
    public void AResumedRun_EndsWhereTheUninterruptedRunEnds()
    {
        using var straight = new TempFolder();
        using var split = new TempFolder();
        var ct = TestContext.Current.CancellationToken;
        ShapesBaseRun.Run(Options(straight.Path, 3), cancellationToken: ct);
        ShapesBaseRun.Run(Options(split.Path, 1), cancellationToken: ct);
        var resumed = ShapesBaseRun.Run(Options(split.Path, 3), cancellationToken: ct);

        Assert.Equal(1, resumed.StartStep);
        foreach (string file in new[] { "unet/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors" })
        {
            Assert.Equal(File.ReadAllBytes(straight.Combine(file)), File.ReadAllBytes(split.Combine(file)));
        }

        var textFile = Path.GetFileName(Directory.GetFiles(straight.Combine("text_encoder"), "*.safetensors").Single());
        Assert.Equal(File.ReadAllBytes(straight.Combine("text_encoder/" + textFile)), File.ReadAllBytes(split.Combine("text_encoder/" + textFile)));
    }
}
