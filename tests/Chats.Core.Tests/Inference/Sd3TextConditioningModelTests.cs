using System.Text.Json.Nodes;
using Chats.Core.Loading;
using Chats.Core.Tokenization;
using Chats.Inference.Models.Clip;
using Chats.Inference.Roles;
using Chats.Inference.Tensors;
using Chats.Tools;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Core.Tests.Inference;

/// <summary>
/// SD3's prompt layout on tiny pipelines built from the SD3 fixtures: the encoding equals the layout assembled here
/// from the two CLIP encoders' own outputs (whose forward passes are parity-tested against transformers elsewhere),
/// the padding and the T5 tokens are exact zeros, and the loader refuses encoders that do not fit the transformer.
/// </summary>
[Collection("TorchSharp")]
public sealed class Sd3TextConditioningModelTests : IDisposable
{
    private static readonly string[] s_prompts = ["a red circle", "", "two yellow stars above a small white circle"];

    private readonly string _root = Directory.CreateTempSubdirectory("chats-sd3-text-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    public static TheoryData<int, int> EncoderWidths => new()
    {
        { 32, 32 }, // L + G = joint_attention_dim: no channel padding.
        { 16, 24 }, // 40 of 64 channels: 24 zeros per token.
    };

    [Theory]
    [MemberData(nameof(EncoderWidths))]
    public async Task Encode_EqualsTheClipOutputsLaidOutBySd3(int clipLHidden, int clipGHidden)
    {
        string folder = Build("tiny-sd3", new TinySd3PipelineOptions { ClipLHiddenSize = clipLHidden, ClipGHiddenSize = clipGHidden });
        int joint = TransformerInt(folder, "joint_attention_dim");
        using var model = Sd3TextConditioningModel.Load(folder);

        var encoded = await model.EncodeAsync(s_prompts, TestContext.Current.CancellationToken);

        var (penultimateL, embedsL, hiddenL, projL) = RunClip(folder, "tokenizer", "text_encoder");
        var (penultimateG, embedsG, hiddenG, projG) = RunClip(folder, "tokenizer_2", "text_encoder_2");
        Assert.Equal((clipLHidden, clipGHidden), (hiddenL, hiddenG));
        const int clipTokens = 77;
        for (int p = 0; p < s_prompts.Length; p++)
        {
            var hidden = encoded[p].HiddenStates;
            Assert.Equal([2L * clipTokens, joint], hidden.Shape);
            for (int t = 0; t < 2 * clipTokens; t++)
            {
                for (int c = 0; c < joint; c++)
                {
                    float actual = hidden.Data[(t * joint) + c];
                    if (t >= clipTokens || c >= hiddenL + hiddenG)
                    {
                        // T5's tokens (no third encoder) and the channel padding: exactly zero, not merely small.
                        Assert.True(actual == 0f, $"prompt {p} token {t} channel {c}: {actual}, expected exactly 0");
                        continue;
                    }

                    float expected = c < hiddenL
                        ? penultimateL[(((p * clipTokens) + t) * hiddenL) + c]
                        : penultimateG[(((p * clipTokens) + t) * hiddenG) + c - hiddenL];
                    Assert.True(Math.Abs(actual - expected) <= 1e-5, $"prompt {p} token {t} channel {c}: {actual} vs {expected}");
                }
            }

            var pooled = encoded[p].Pooled!;
            Assert.Equal([(long)(projL + projG)], pooled.Shape);
            float[] expectedPooled = [.. embedsL.AsSpan(p * projL, projL), .. embedsG.AsSpan(p * projG, projG)];
            for (int i = 0; i < expectedPooled.Length; i++)
            {
                Assert.True(Math.Abs(pooled.Data[i] - expectedPooled[i]) <= 1e-5, $"prompt {p} pooled {i}: {pooled.Data[i]} vs {expectedPooled[i]}");
            }
        }

        // The CLIP part carries the prompt: different prompts, different embeddings.
        Assert.NotEqual(encoded[0].HiddenStates.Data, encoded[1].HiddenStates.Data);
        Assert.NotEqual(encoded[0].Pooled!.Data, encoded[1].Pooled!.Data);
    }

    [Theory]
    [InlineData("tiny-sd3")]
    [InlineData("tiny-chats-sd3")]
    public void Description_IsSd3Shaped_FromTheTransformerAndEncoderConfigs(string fixture)
    {
        string folder = Build(fixture, new TinySd3PipelineOptions());
        using var model = Sd3TextConditioningModel.Load(folder, modelId: "sd3-test");

        var d = model.Description;
        int projections = ClipTextConfig.Load(Path.Combine(folder, "text_encoder", "config.json")).ProjectionDim
            + ClipTextConfig.Load(Path.Combine(folder, "text_encoder_2", "config.json")).ProjectionDim;
        Assert.Equal("sd3-test", d.ModelId);
        Assert.Equal(2 * ClipTokenizer.Load(Path.Combine(folder, "tokenizer")).MaxLength, d.MaxTokens);
        Assert.Equal(154, d.MaxTokens);
        Assert.Equal(TransformerInt(folder, "joint_attention_dim"), d.HiddenSize);
        Assert.Equal(projections, d.PooledSize);
        Assert.Equal(TransformerInt(folder, "pooled_projection_dim"), d.PooledSize);
        Assert.Equal(model.JointAttentionDim, d.HiddenSize);
    }

    [Fact]
    public void Fingerprint_IsStable_AndChangesWithEitherEncoder()
    {
        string a = Build("tiny-sd3", new TinySd3PipelineOptions { Seed = 1 });
        string b = Build("tiny-sd3", new TinySd3PipelineOptions { Seed = 2 });
        string withOtherL = CopyOf(a, "other-l");
        ReplaceComponent(withOtherL, b, "text_encoder");
        string withOtherG = CopyOf(a, "other-g");
        ReplaceComponent(withOtherG, b, "text_encoder_2");

        string Fingerprint(string folder)
        {
            using var model = Sd3TextConditioningModel.Load(folder);
            return model.Description.Fingerprint;
        }

        string reference = Fingerprint(a);
        Assert.Equal(reference, Fingerprint(a));
        Assert.Equal(reference, Fingerprint(CopyOf(a, "same")));
        Assert.NotEqual(reference, Fingerprint(withOtherL));
        Assert.NotEqual(reference, Fingerprint(withOtherG));
        Assert.NotEqual(Fingerprint(withOtherL), Fingerprint(withOtherG));
    }

    [Fact]
    public async Task Float16_ComputesInFloat16_KeepsExactZeros_AndEncodesCloseToFloat32()
    {
        var ct = TestContext.Current.CancellationToken;
        string folder = Build("tiny-sd3", new TinySd3PipelineOptions { ClipLHiddenSize = 16, ClipGHiddenSize = 24 });
        var placement = TorchPlacement.Parse("cpu", "float16");
        using var reference = Sd3TextConditioningModel.Load(folder);
        using var reduced = Sd3TextConditioningModel.Load(folder, placement: placement);

        var expected = await reference.EncodeAsync(s_prompts, ct);
        var actual = await reduced.EncodeAsync(s_prompts, ct);

        foreach (var network in reduced.Networks)
        {
            Assert.All(network.parameters(), p => Assert.Equal(ScalarType.Float16, p.dtype));
        }

        // A reduced-precision encoder must not share cache entries with the fp32 one.
        Assert.NotEqual(reference.Description.Fingerprint, reduced.Description.Fingerprint);
        int joint = reduced.JointAttentionDim;
        for (int p = 0; p < s_prompts.Length; p++)
        {
            var (e, a) = (expected[p].HiddenStates.Data, actual[p].HiddenStates.Data);
            Assert.Equal(e.Length, a.Length);
            for (int i = 0; i < e.Length; i++)
            {
                int token = i / joint;
                int channel = i % joint;
                if (token >= reduced.ClipTokens || channel >= 16 + 24)
                {
                    Assert.True(a[i] == 0f, $"prompt {p} token {token} channel {channel}: {a[i]}, expected exactly 0");
                }
            }

            // The float16 tolerance of ReducedPrecisionRoleTests' CLIP encoders.
            Assert.True(e.Zip(a).Max(x => Math.Abs(x.First - x.Second)) <= 2e-2);
            Assert.True(expected[p].Pooled!.Data.Zip(actual[p].Pooled!.Data).Max(x => Math.Abs(x.First - x.Second)) <= 2e-2);
        }
    }

    [Fact]
    public void Load_RefusesEncodersWiderThanJointAttentionDim()
    {
        string folder = Build("tiny-sd3", new TinySd3PipelineOptions { ClipLHiddenSize = 48, ClipGHiddenSize = 32 });

        var e = Assert.Throws<InvalidDataException>(() => Sd3TextConditioningModel.Load(folder));
        Assert.Contains("joint_attention_dim 64", e.Message, StringComparison.Ordinal);
        Assert.Contains("48 + 32", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RefusesProjectionsThatDoNotSumToPooledProjectionDim()
    {
        string folder = Build("tiny-sd3", new TinySd3PipelineOptions { ClipLProjectionDim = 16, ClipGProjectionDim = 16 });

        var e = Assert.Throws<InvalidDataException>(() => Sd3TextConditioningModel.Load(folder));
        Assert.Contains("pooled_projection_dim is 48", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RefusesAT5EncoderRatherThanDroppingIt()
    {
        string folder = Build("tiny-sd3", new TinySd3PipelineOptions());
        string indexPath = Path.Combine(folder, "model_index.json");
        var index = JsonNode.Parse(File.ReadAllText(indexPath))!.AsObject();
        index["text_encoder_3"] = new JsonArray("transformers", "T5EncoderModel");
        File.WriteAllText(indexPath, index.ToJsonString());

        var e = Assert.Throws<InvalidDataException>(() => TextConditioningModels.Load(folder));
        Assert.Contains("text_encoder_3 (T5EncoderModel) is not supported", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_OfTheFixtureWithoutTextEncoders_NamesWhatIsMissing()
    {
        string fixture = Path.Combine(FixturePaths.DiffusersReferenceSd3, "tiny-sd3");

        var e = Assert.Throws<InvalidDataException>(() => TextConditioningModels.Load(fixture));
        Assert.Contains("needs tokenizer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Factory_ChoosesTheLayoutFromModelIndexClassNames()
    {
        string sd3 = Build("tiny-sd3", new TinySd3PipelineOptions());
        // A CHATS folder under a pipeline class of its own is still SD3 by its transformers' class.
        string chats = Build("tiny-chats-sd3", new TinySd3PipelineOptions());
        string indexPath = Path.Combine(chats, "model_index.json");
        var index = JsonNode.Parse(File.ReadAllText(indexPath))!.AsObject();
        index["_class_name"] = "ChatsSD3Pipeline";
        File.WriteAllText(indexPath, index.ToJsonString());

        Assert.True(TextConditioningModels.UsesSd3Layout(DiffusersPipelineFolder.Open(sd3)));
        Assert.True(TextConditioningModels.UsesSd3Layout(DiffusersPipelineFolder.Open(chats)));
        Assert.False(TextConditioningModels.UsesSd3Layout(DiffusersPipelineFolder.Open(FixturePaths.Combine("tiny-sdxl"))));
        Assert.False(TextConditioningModels.UsesSd3Layout(DiffusersPipelineFolder.Open(FixturePaths.Combine("tiny-chats-sd15"))));

        using (var model = TextConditioningModels.Load(sd3))
        {
            Assert.IsType<Sd3TextConditioningModel>(model);
        }

        using (var model = TextConditioningModels.Load(chats))
        {
            Assert.IsType<Sd3TextConditioningModel>(model);
        }

        using var sdxl = TextConditioningModels.Load(FixturePaths.Combine("tiny-sdxl"));
        Assert.IsType<ClipTextConditioningModel>(sdxl);
        using var direct = ClipTextConditioningModel.Load(FixturePaths.Combine("tiny-sdxl"));
        // The same description (and so the same cache keys) as before the factory existed.
        Assert.Equal(direct.Description, sdxl.Description);
    }

    private string Build(string fixture, TinySd3PipelineOptions options)
    {
        string dir = Path.Combine(_root, fixture + "-" + Guid.NewGuid().ToString("N")[..8]);
        TinyPipelineBuilder.CreateSd3(dir, Path.Combine(FixturePaths.DiffusersReferenceSd3, fixture), options);
        return dir;
    }

    private string CopyOf(string folder, string name)
    {
        string copy = Path.Combine(_root, name);
        foreach (string file in Directory.GetFiles(folder, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(copy, Path.GetRelativePath(folder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return copy;
    }

    private static void ReplaceComponent(string folder, string from, string component)
    {
        foreach (string file in Directory.GetFiles(Path.Combine(from, component)))
        {
            File.Copy(file, Path.Combine(folder, component, Path.GetFileName(file)), overwrite: true);
        }
    }

    private static int TransformerInt(string folder, string field)
    {
        string component = Directory.Exists(Path.Combine(folder, "transformer")) ? "transformer" : "transformer_win";
        return JsonNode.Parse(File.ReadAllText(Path.Combine(folder, component, "config.json")))![field]!.GetValue<int>();
    }

    // One CLIP encoder of the folder on its own: penultimate hidden states [B·77·H] and text_embeds [B·P], flattened.
    private static (float[] Penultimate, float[] TextEmbeds, int Hidden, int Projection) RunClip(string folder, string tokenizerName, string encoderName)
    {
        var tokenizer = ClipTokenizer.Load(Path.Combine(folder, tokenizerName));
        using var encoder = ClipTextModelWithProjection.Load(Path.Combine(folder, encoderName));
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        long[] ids = [.. s_prompts.SelectMany(tokenizer.EncodePadded)];
        using var output = encoder.forward(tensor(ids, [s_prompts.Length, tokenizer.MaxLength], ScalarType.Int64));
        return (output.PenultimateHiddenState.data<float>().ToArray(), output.TextEmbeds!.data<float>().ToArray(),
            encoder.Config.HiddenSize, encoder.Config.ProjectionDim);
    }
}
