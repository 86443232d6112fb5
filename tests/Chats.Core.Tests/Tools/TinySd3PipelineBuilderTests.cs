using System.Text.Json.Nodes;
using Chats.Core.Loading;
using Chats.Core.Tokenization;
using Chats.Inference.Models.Clip;
using Chats.Inference.Roles;
using Chats.Tools;
using TorchSharp;

namespace Chats.Core.Tests.Tools;

/// <summary>The SD3 pipelines <see cref="TinyPipelineBuilder.CreateSd3(string, string, long)"/> writes from the SD3 fixtures.</summary>
[Collection("TorchSharp")]
public sealed class TinySd3PipelineBuilderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("chats-tiny-sd3-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("tiny-sd3", new[] { "transformer" })]
    [InlineData("tiny-chats-sd3", new[] { "transformer_win", "transformer_lose" })]
    public async Task CreateSd3_WritesAnSd3FolderWhoseTextEncodersLoadAndEncode(string fixture, string[] transformers)
    {
        string fixtureDir = Path.Combine(FixturePaths.DiffusersReferenceSd3, fixture);
        string dir = Path.Combine(_root, fixture);
        TinyPipelineBuilder.CreateSd3(dir, fixtureDir);

        var folder = DiffusersPipelineFolder.Open(dir);
        Assert.Equal("StableDiffusion3Pipeline", folder.ClassName);
        Assert.Equal(
            new[] { "scheduler", "text_encoder", "text_encoder_2", "tokenizer", "tokenizer_2", "vae" }.Concat(transformers).Order(StringComparer.Ordinal),
            folder.ComponentNames.Order(StringComparer.Ordinal));
        Assert.Equal("CLIPTextModelWithProjection", folder.ComponentClass("text_encoder"));
        Assert.Equal("CLIPTextModelWithProjection", folder.ComponentClass("text_encoder_2"));
        Assert.Equal("CLIPTokenizer", folder.ComponentClass("tokenizer"));
        Assert.Equal("CLIPTokenizer", folder.ComponentClass("tokenizer_2"));
        Assert.False(folder.HasComponent("text_encoder_3"));
        Assert.False(Directory.Exists(Path.Combine(dir, "cases")));
        foreach (string component in transformers.Append("vae").Append("scheduler"))
        {
            foreach (string file in Directory.GetFiles(Path.Combine(fixtureDir, component)))
            {
                Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(dir, component, Path.GetFileName(file))));
            }
        }

        // SD3's two CLIP tokenizers pad differently: <|endoftext|> for L, "!" for G.
        var tokenizerL = ClipTokenizer.Load(folder.ComponentPath("tokenizer"));
        var tokenizerG = ClipTokenizer.Load(folder.ComponentPath("tokenizer_2"));
        Assert.Equal(tokenizerL.EosTokenId, tokenizerL.PadTokenId);
        Assert.NotEqual(tokenizerG.EosTokenId, tokenizerG.PadTokenId);

        using var model = TextConditioningModels.Load(dir);
        Assert.IsType<Sd3TextConditioningModel>(model);
        var encoded = await model.EncodeAsync(["a red circle", ""], TestContext.Current.CancellationToken);

        int joint = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, transformers[0], "config.json")))!["joint_attention_dim"]!.GetValue<int>();
        int pooledDim = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, transformers[0], "config.json")))!["pooled_projection_dim"]!.GetValue<int>();
        Assert.Equal(2, encoded.Count);
        foreach (var conditioning in encoded)
        {
            Assert.Equal([154L, joint], conditioning.HiddenStates.Shape);
            Assert.Equal([(long)pooledDim], conditioning.Pooled!.Shape);
            Assert.All(conditioning.HiddenStates.Data, v => Assert.True(float.IsFinite(v)));
        }

        Assert.NotEqual(encoded[0].HiddenStates.Data, encoded[1].HiddenStates.Data);
        Assert.Equal((154, joint, pooledDim), (model.Description.MaxTokens, model.Description.HiddenSize, model.Description.PooledSize));
    }

    [Fact]
    public void CreateSd3_WritesTheEncoderSizesAsked()
    {
        string dir = Path.Combine(_root, "narrow");
        TinyPipelineBuilder.CreateSd3(dir, Path.Combine(FixturePaths.DiffusersReferenceSd3, "tiny-sd3"),
            new TinySd3PipelineOptions { ClipLHiddenSize = 16, ClipLProjectionDim = 8, ClipGHiddenSize = 24, ClipGProjectionDim = 40 });

        var l = ClipTextConfig.Load(Path.Combine(dir, "text_encoder", "config.json"));
        var g = ClipTextConfig.Load(Path.Combine(dir, "text_encoder_2", "config.json"));
        Assert.Equal((16, 8, 24, 40), (l.HiddenSize, l.ProjectionDim, g.HiddenSize, g.ProjectionDim));
        Assert.Equal(["CLIPTextModelWithProjection"], l.Architectures);
        Assert.Equal(["CLIPTextModelWithProjection"], g.Architectures);
        using var encoder = ClipTextModelWithProjection.Load(Path.Combine(dir, "text_encoder"));
        Assert.Equal(16, encoder.Config.HiddenSize);
    }

    [Fact]
    public void CreateSd3_SameSeed_WritesByteIdenticalFiles_OtherSeed_OtherTextEncoders()
    {
        string fixture = Path.Combine(FixturePaths.DiffusersReferenceSd3, "tiny-chats-sd3");
        string a = Path.Combine(_root, "a");
        string b = Path.Combine(_root, "b");
        string c = Path.Combine(_root, "c");
        // The weights come from the builder's seed alone, whatever torch's global generator is at (other threads use it).
        torch.manual_seed(1);
        TinyPipelineBuilder.CreateSd3(a, fixture, seed: 5);
        torch.manual_seed(2);
        TinyPipelineBuilder.CreateSd3(b, fixture, seed: 5);
        TinyPipelineBuilder.CreateSd3(c, fixture, seed: 6);
        // Building again into the same folder replaces its (once read-only) copies.
        torch.manual_seed(3);
        TinyPipelineBuilder.CreateSd3(b, fixture, seed: 5);

        string[] files = Relative(a);
        Assert.Equal(files, Relative(b));
        Assert.Contains(Path.Combine("text_encoder", "model.safetensors"), files);
        Assert.Contains(Path.Combine("tokenizer_2", "vocab.json"), files);
        foreach (string file in files)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(a, file)), File.ReadAllBytes(Path.Combine(b, file)));
        }

        foreach (string encoder in new[] { "text_encoder", "text_encoder_2" })
        {
            string weights = Path.Combine(encoder, "model.safetensors");
            Assert.NotEqual(File.ReadAllBytes(Path.Combine(a, weights)), File.ReadAllBytes(Path.Combine(c, weights)));
        }

        Assert.NotEqual(
            File.ReadAllBytes(Path.Combine(a, "text_encoder", "model.safetensors")),
            File.ReadAllBytes(Path.Combine(a, "text_encoder_2", "model.safetensors")));
    }

    private static string[] Relative(string dir) =>
        [.. Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f)).Order(StringComparer.Ordinal)];
}
