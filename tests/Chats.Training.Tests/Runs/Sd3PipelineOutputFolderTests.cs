using System.Text.Json.Nodes;
using Chats.Core.Loading;
using Chats.Inference.Models.SD3Transformer;
using Chats.Training.Diffusion;
using Chats.Training.Runs;
using Chats.Training.Tests.Data;
using Chats.Training.Tests.Training;
using Chats.Training.Training;

namespace Chats.Training.Tests.Runs;

/// <summary>The pipeline a preference run writes over an SD3 reference: transformer components and their model_index.json entries.</summary>
[Collection(SerialTorchTests.Name)]
public sealed class Sd3PipelineOutputFolderTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Chats_NamesTransformerWinAndLose_AsSD3Transformer2DModel_AndCopiesTheRest()
    {
        var reference = DiffusersPipelineFolder.Open(TinySd3Models.ChatsPipeline);
        string output = _temp.Combine("chats");
        using (var referenceModel = TinySd3Models.Reference())
        using (var trainer = new PreferenceTrainer(referenceModel, new FlowMatchingNoising(), new TrainerOptions { Seed = 1 }))
        {
            PipelineOutputFolder.Write(reference, output, trainer.Family, twoModels: true);
            trainer.SaveCheckpoint(output);
        }

        var index = Index(output);
        Assert.Equal(["diffusers", "SD3Transformer2DModel"], Entry(index, "transformer_win"));
        Assert.Equal(["diffusers", "SD3Transformer2DModel"], Entry(index, "transformer_lose"));
        Assert.False(index.ContainsKey("transformer"));
        Assert.DoesNotContain(index, kv => kv.Key.StartsWith("unet", StringComparison.Ordinal));
        Assert.Equal("StableDiffusion3Pipeline", index["_class_name"]!.GetValue<string>());
        Assert.Null(index["text_encoder"]![0]);  // the reference's absent encoders stay declared absent
        Assert.False(Directory.Exists(Path.Combine(output, "cases")));
        Assert.Equal(
            File.ReadAllBytes(Path.Combine(TinySd3Models.ChatsPipeline, "vae", "diffusion_pytorch_model.safetensors")),
            File.ReadAllBytes(Path.Combine(output, "vae", "diffusion_pytorch_model.safetensors")));
        Assert.True(File.Exists(Path.Combine(output, "scheduler", "scheduler_config.json")));

        // The output is itself a pipeline whose networks load strictly (and could be the next run's reference).
        var written = DiffusersPipelineFolder.Open(output);
        Assert.Equal("SD3Transformer2DModel", written.ComponentClass("transformer_win"));
        Assert.Equal((DenoiserFamily.SD3Transformer, "transformer_win"), DenoiserFamily.ReferenceOf(written));
        using var win = SD3Transformer2DModel.Load(written.ComponentPath("transformer_win"));
        using var lose = SD3Transformer2DModel.Load(written.ComponentPath("transformer_lose"));
        Assert.Equal(TinyModels.Flat(win), TinyModels.Flat(lose)); // no step taken: both are θ_ref
    }

    [Fact]
    public void OneModel_ReplacesTheReferenceEntry_AndDropsStaleWinAndLose()
    {
        // tiny-sd3 has a plain "transformer": DPO's θ takes its place; a CHATS run written there before leaves
        // transformer_win / transformer_lose folders that must go.
        var reference = DiffusersPipelineFolder.Open(TinySd3Models.Sd3Pipeline);
        string output = _temp.Combine("dpo");
        PipelineOutputFolder.Write(reference, output, DenoiserFamily.SD3Transformer, twoModels: true);
        Directory.CreateDirectory(Path.Combine(output, "transformer_win"));
        Directory.CreateDirectory(Path.Combine(output, "transformer_lose"));
        var twoModels = Index(output);
        Assert.True(twoModels.ContainsKey("transformer_win") && twoModels.ContainsKey("transformer_lose"));
        Assert.False(twoModels.ContainsKey("transformer"));

        PipelineOutputFolder.Write(reference, output, DenoiserFamily.SD3Transformer, twoModels: false);

        var index = Index(output);
        Assert.Equal(["diffusers", "SD3Transformer2DModel"], Entry(index, "transformer"));
        Assert.False(index.ContainsKey("transformer_win"));
        Assert.False(index.ContainsKey("transformer_lose"));
        Assert.False(Directory.Exists(Path.Combine(output, "transformer_win")));
        Assert.False(Directory.Exists(Path.Combine(output, "transformer_lose")));
        Assert.False(Directory.Exists(Path.Combine(output, "transformer"))); // the reference's own is not copied
    }

    private static JsonObject Index(string folder) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "model_index.json")))!.AsObject();

    private static string?[] Entry(JsonObject index, string key) =>
        [.. index[key]!.AsArray().Select(v => v?.GetValue<string>())];
}
