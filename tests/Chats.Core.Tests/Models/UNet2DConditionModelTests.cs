using Chats.Inference.Models.UNet2DCondition;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Core.Tests.Models;

[Collection("TorchSharp")]
public sealed class UNet2DConditionModelTests
{
    private const double Tolerance = 1e-4;

    public static TheoryData<string, string, string> Cases => ModelCases.Find(file =>
        file.StartsWith("unet_case", StringComparison.Ordinal) ? "unet"
        : file.StartsWith("unet_win_case", StringComparison.Ordinal) ? "unet_win"
        : file.StartsWith("unet_lose_case", StringComparison.Ordinal) ? "unet_lose"
        : null);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_MatchesDiffusers(string pipeline, string component, string caseFile)
    {
        using var model = UNet2DConditionModel.Load(FixturePaths.Combine(pipeline, component));
        var tensors = ModelCases.Read(pipeline, caseFile);
        try
        {
            using var mode = torch.inference_mode();
            using var output = model.forward(
                tensors["sample"],
                tensors["timestep"],
                tensors["encoder_hidden_states"],
                tensors.GetValueOrDefault("text_embeds"),
                tensors.GetValueOrDefault("time_ids"));
            double err = ModelCases.MaxAbsError(output, tensors["out_sample"]);
            ModelCases.Log($"unet {pipeline}/{component} {caseFile} max_abs={err:E3}");
            Assert.True(err <= Tolerance, $"{pipeline}/{caseFile}: max abs error {err:E3} > {Tolerance:E0}");
        }
        finally
        {
            ModelCases.Dispose(tensors);
        }
    }

    [Fact]
    public void SaveThenLoad_GivesIdenticalOutputs()
    {
        string dir = Directory.CreateTempSubdirectory("chats-unet-").FullName;
        try
        {
            using var model = UNet2DConditionModel.Load(FixturePaths.Combine("tiny-sdxl", "unet"));
            model.Save(dir);
            using var reloaded = UNet2DConditionModel.Load(dir);
            Assert.Equal(model.Config with { RawJson = null }, reloaded.Config with { RawJson = null }, ConfigComparer.Instance);
            var tensors = ModelCases.Read("tiny-sdxl", "unet_case2.safetensors");
            try
            {
                using var mode = torch.inference_mode();
                using var a = model.forward(tensors["sample"], tensors["timestep"], tensors["encoder_hidden_states"], tensors["text_embeds"], tensors["time_ids"]);
                using var b = reloaded.forward(tensors["sample"], tensors["timestep"], tensors["encoder_hidden_states"], tensors["text_embeds"], tensors["time_ids"]);
                using var same = a.eq(b).all();
                Assert.True(same.item<bool>());
            }
            finally
            {
                ModelCases.Dispose(tensors);
            }

            Assert.Equal(File.ReadAllText(FixturePaths.Combine("tiny-sdxl", "unet", "config.json")), File.ReadAllText(Path.Combine(dir, "config.json")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("tiny-sdxl", "unet", 18, 22)]
    [InlineData("tiny-sd15", "unet", 17, 9)]
    public void Forward_SizeNotMultipleOfUpFactor_UsesSkipSizes(string pipeline, string component, int height, int width)
    {
        using var model = UNet2DConditionModel.Load(FixturePaths.Combine(pipeline, component));
        using var mode = torch.inference_mode();
        using var sample = randn(2, 4, height, width);
        using var t = tensor(new long[] { 10, 500 });
        using var ctx = randn(2, 77, model.Config.CrossAttentionDim[0]);
        using var textEmbeds = model.Config.AdditionEmbedType is null ? null : randn(2, 32);
        using var timeIds = model.Config.AdditionEmbedType is null ? null : randn(2, 6);
        using var output = model.forward(sample, t, ctx, textEmbeds, timeIds);
        Assert.Equal(new long[] { 2, 4, height, width }, output.shape);
    }

    [Fact]
    public void Config_AttentionHeadDim_IsNumberOfHeads_AndListsExpand()
    {
        var config = UNet2DConditionConfig.Load(FixturePaths.Combine("tiny-sd15", "unet", "config.json"));
        Assert.Equal([8, 8], config.NumAttentionHeads);
        Assert.Equal([32, 32], config.CrossAttentionDim);
        Assert.Equal([1, 1], config.TransformerLayersPerBlock);
        Assert.Null(config.AdditionEmbedType);
    }

    [Fact]
    public void Config_UnsupportedValue_FailsNamingFieldAndValue()
    {
        string json = File.ReadAllText(FixturePaths.Combine("tiny-sd15", "unet", "config.json"))
            .Replace("\"class_embed_type\": null", "\"class_embed_type\": \"timestep\"", StringComparison.Ordinal);
        var e = Assert.Throws<NotSupportedException>(() => UNet2DConditionConfig.Parse(json, "unet/config.json"));
        Assert.Contains("class_embed_type", e.Message, StringComparison.Ordinal);
        Assert.Contains("timestep", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Records hold lists; compare them by content.</summary>
    private sealed class ConfigComparer : IEqualityComparer<UNet2DConditionConfig>
    {
        public static readonly ConfigComparer Instance = new();

        public bool Equals(UNet2DConditionConfig? x, UNet2DConditionConfig? y) =>
            System.Text.Json.JsonSerializer.Serialize(x) == System.Text.Json.JsonSerializer.Serialize(y);

        public int GetHashCode(UNet2DConditionConfig obj) => 0;
    }
}
