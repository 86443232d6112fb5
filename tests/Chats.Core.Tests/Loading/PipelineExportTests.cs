using Chats.Core.Guidance;
using Chats.Inference.Roles;
using Chats.Inference.Engine;
using Chats.Inference.Local;
using Chats.Core.Loading;
using Chats.Inference.Models.UNet2DCondition;
using Chats.Core.Sampling;
using static TorchSharp.torch;
using Chats.Inference.Loading;
using Chats.Tools;

namespace Chats.Core.Tests.Loading;

public sealed class PipelineExportTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "chats-export-" + Guid.NewGuid().ToString("N"));

    public PipelineExportTests()
    {
        TinyPipelineBuilder.Create(Path.Combine(_root, "source"));
        // Training leftovers that must not ship.
        Directory.CreateDirectory(Path.Combine(_root, "source", "training"));
        File.WriteAllText(Path.Combine(_root, "source", "training", "trainer_state.json"), "{}");
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private string Source => Path.Combine(_root, "source");

    [Fact]
    public void HalfExport_StoresFp16_HalvesTheWeights_AndLoadsToNearlyTheSameModel()
    {
        string target = Path.Combine(_root, "half");
        long bytes = PipelineExport.Export(Source, target, half: true);

        Assert.False(Directory.Exists(Path.Combine(target, "training")));
        long sourceWeights = WeightBytes(Source);
        long targetWeights = WeightBytes(target);
        Assert.InRange(targetWeights, sourceWeights * 0.45, sourceWeights * 0.55);
        Assert.Equal(Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length), bytes);
        foreach (var (_, stored) in SafetensorsHeader.Read(Path.Combine(target, "unet", "diffusion_pytorch_model.safetensors")))
        {
            Assert.Equal("F16", stored.DType);
        }

        using var full = UNet2DConditionModel.Load(Path.Combine(Source, "unet"));
        using var half = UNet2DConditionModel.Load(Path.Combine(target, "unet"));
        using var scope = NewDisposeScope();
        manual_seed(3);
        var x = randn(1, 4, 16, 16);
        var c = randn(1, 77, full.Config.CrossAttentionDim[0]);
        using var t = tensor(new long[] { 500 });
        var a = full.forward(x, t, c);
        var b = half.forward(x, t, c);
        Assert.Equal(ScalarType.Float32, b.dtype);
        double error = (a - b).abs().max().item<float>();
        Assert.True(error < 5e-3 * Math.Max(1.0, a.abs().max().item<float>()), $"max abs error {error}");
    }

    [Fact]
    public void HalfComponents_ConvertOnlyThoseComponents()
    {
        string target = Path.Combine(_root, "mixed");
        PipelineExport.Export(Source, target, half: true, halfComponents: ["vae"]);
        Assert.All(SafetensorsHeader.Read(Path.Combine(target, "vae", "diffusion_pytorch_model.safetensors")).Values, t => Assert.Equal("F16", t.DType));
        Assert.Equal(
            File.ReadAllBytes(Path.Combine(Source, "unet", "diffusion_pytorch_model.safetensors")),
            File.ReadAllBytes(Path.Combine(target, "unet", "diffusion_pytorch_model.safetensors")));
    }

    [Fact]
    public void ComponentSubset_RewritesTheIndex_AndAnUnknownComponentFails()
    {
        string target = Path.Combine(_root, "subset");
        PipelineExport.Export(Source, target, half: false, ["text_encoder", "tokenizer", "vae", "scheduler", "unet_win", "unet_lose"]);
        var folder = DiffusersPipelineFolder.Open(target);
        Assert.False(folder.HasComponent("unet"));
        Assert.False(Directory.Exists(Path.Combine(target, "unet")));
        Assert.True(folder.HasComponent("unet_win"));
        Assert.Equal(
            File.ReadAllBytes(Path.Combine(Source, "vae", "diffusion_pytorch_model.safetensors")),
            File.ReadAllBytes(Path.Combine(target, "vae", "diffusion_pytorch_model.safetensors")));

        var e = Assert.Throws<InvalidDataException>(() => PipelineExport.Export(Source, Path.Combine(_root, "bad"), half: false, ["unet_best"]));
        Assert.Contains("unet_best", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => PipelineExport.Export(Source, Source, half: false));
    }

    [Fact]
    public async Task StandardModelPath_LendsItsUnetToTheCfgRole_OfAPipelineWithoutOne()
    {
        string chatsOnly = Path.Combine(_root, "chats-only");
        PipelineExport.Export(Source, chatsOnly, half: false, ["text_encoder", "tokenizer", "vae", "scheduler", "unet_win", "unet_lose"]);
        var request = new GenerationRequestInput("a red circle", string.Empty, 64, 64, 3, 5, 4f, null, GuidanceMode.Cfg, null, 1);
        var ct = TestContext.Current.CancellationToken;

        using var original = LocalPipeline.Open(Source);
        var expected = await original.GenerateAsync(request, ct);
        using var lent = LocalPipeline.Open(chatsOnly, standardModelPath: Source);
        var actual = await lent.GenerateAsync(request, ct);
        Assert.Equal(expected[0].Png, actual[0].Png);

        // Without the standard model, CFG falls back to another UNet: a different image.
        using var alone = LocalPipeline.Open(chatsOnly);
        var fallback = await alone.GenerateAsync(request, ct);
        Assert.NotEqual(expected[0].Png, fallback[0].Png);
    }

    private static long WeightBytes(string folder) =>
        Directory.EnumerateFiles(folder, "*.safetensors", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
}
