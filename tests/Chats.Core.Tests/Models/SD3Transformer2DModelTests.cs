using Chats.Inference.Loading;
using Chats.Inference.Models.SD3Transformer;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Core.Tests.Models;

[Collection("TorchSharp")]
public sealed class SD3Transformer2DModelTests(ITestOutputHelper output) : IDisposable
{
    private const double Tolerance = 1e-4;

    private static readonly string[] s_pipelines = ["tiny-sd3", "tiny-chats-sd3"];

    private readonly string _dir = Directory.CreateTempSubdirectory("chats-sd3-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WeightsPath => Path.Combine(_dir, SD3Transformer2DModel.WeightsFileName);

    private static string TinyTransformerDir => FixturePaths.CombineSd3("tiny-sd3", "transformer");

    /// <summary>(pipeline, component, case file) for every transformer*_caseN file of the SD3 fixtures.</summary>
    public static TheoryData<string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string>();
        foreach (string pipeline in s_pipelines)
        {
            foreach (string file in Directory.GetFiles(FixturePaths.CombineSd3(pipeline, "cases"), "transformer*_case*.safetensors")
                .Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal))
            {
                data.Add(pipeline, file[..file.IndexOf("_case", StringComparison.Ordinal)], file);
            }
        }

        return data;
    }

    private static Dictionary<string, Tensor> ReadCase(string pipeline, string caseFile) =>
        TorchSharp.PyBridge.Safetensors.LoadStateDict(FixturePaths.CombineSd3(pipeline, "cases", caseFile));

    [Fact]
    public void Cases_CoverEveryTransformerOfBothPipelines()
    {
        var components = Cases().Select(row => $"{row.Data.Item1}/{row.Data.Item2}").Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["tiny-chats-sd3/transformer_lose", "tiny-chats-sd3/transformer_win", "tiny-sd3/transformer"], components);
        Assert.Equal(6, Cases().Count);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_MatchesDiffusers(string pipeline, string component, string caseFile)
    {
        using var model = SD3Transformer2DModel.Load(FixturePaths.CombineSd3(pipeline, component));
        var tensors = ReadCase(pipeline, caseFile);
        try
        {
            using var mode = torch.inference_mode();
            using var result = model.forward(tensors["hidden_states"], tensors["timestep"], tensors["encoder_hidden_states"], tensors["pooled_projections"]);
            double err = ModelCases.MaxAbsError(result, tensors["out_sample"]);
            string line = $"sd3 transformer {pipeline}/{component} {caseFile} max_abs={err:E3}";
            output.WriteLine(line);
            ModelCases.Log(line);
            Assert.True(err <= Tolerance, $"{pipeline}/{caseFile}: max abs error {err:E3} > {Tolerance:E0}");
        }
        finally
        {
            ModelCases.Dispose(tensors);
        }
    }

    [Fact]
    public void Forward_ScalarTimestep_EqualsOnePerSample()
    {
        using var model = SD3Transformer2DModel.Load(TinyTransformerDir);
        var tensors = ReadCase("tiny-sd3", "transformer_case1.safetensors");
        try
        {
            using var mode = torch.inference_mode();
            var (hidden, context, pooled) = (tensors["hidden_states"], tensors["encoder_hidden_states"], tensors["pooled_projections"]);
            float t = tensors["timestep"][0].item<float>();
            using var perSample = model.forward(hidden, full(hidden.shape[0], t), context, pooled);
            using var scalar = model.forward(hidden, tensor(t), context, pooled);
            using var same = perSample.eq(scalar).all();
            Assert.True(same.item<bool>());
        }
        finally
        {
            ModelCases.Dispose(tensors);
        }
    }

    /// <summary>About three times the worst error measured here against the fp32 reference (in the comments; |out| reaches about 2).</summary>
    [Theory]
    [InlineData(ScalarType.Float16, 6e-3)] // measured 2.0e-3
    [InlineData(ScalarType.BFloat16, 6e-2)] // measured 1.8e-2
    public void Forward_InReducedPrecision_StaysInThatDType_AndCloseToDiffusers(ScalarType dtype, double tolerance)
    {
        using var model = SD3Transformer2DModel.Load(TinyTransformerDir);
        model.to(dtype);
        Assert.All(model.state_dict().Values, t => Assert.Equal(dtype, t.dtype));
        var tensors = ReadCase("tiny-sd3", "transformer_case1.safetensors");
        try
        {
            using var mode = torch.inference_mode();
            using var hidden = tensors["hidden_states"].to(dtype);
            using var context = tensors["encoder_hidden_states"].to(dtype);
            using var pooled = tensors["pooled_projections"].to(dtype);
            // The timestep stays fp32, as the UNet role passes it: its sinusoid is computed in fp32 either way.
            using var result = model.forward(hidden, tensors["timestep"], context, pooled);
            Assert.Equal(dtype, result.dtype);
            double err = ModelCases.MaxAbsError(result, tensors["out_sample"]);
            output.WriteLine($"sd3 transformer {dtype} max_abs={err:E3}");
            Assert.True(err <= tolerance, $"{dtype}: max abs error {err:E3} > {tolerance:E0}");
        }
        finally
        {
            ModelCases.Dispose(tensors);
        }
    }

    [Fact]
    public void FreshModel_PositionGrid_EqualsCheckpoint_AndIsAPersistentBuffer()
    {
        var config = SD3Transformer2DConfig.Load(Path.Combine(TinyTransformerDir, SD3Transformer2DModel.ConfigFileName));
        using var fresh = new SD3Transformer2DModel(config);
        var stored = TorchSharp.PyBridge.Safetensors.LoadStateDict(Path.Combine(TinyTransformerDir, SD3Transformer2DModel.WeightsFileName));
        try
        {
            var grid = fresh.state_dict()["pos_embed.pos_embed"];
            Assert.Equal(new long[] { 1, 32 * 32, config.InnerDim }, grid.shape);
            Assert.DoesNotContain(fresh.parameters(), p => p.shape.SequenceEqual(grid.shape));
            double err = ModelCases.MaxAbsError(grid, stored["pos_embed.pos_embed"]);
            output.WriteLine($"fresh pos_embed vs checkpoint max_abs={err:E3}");
            Assert.True(err <= 1e-6, $"computed sin-cos grid differs from diffusers' by {err:E3}");
        }
        finally
        {
            ModelCases.Dispose(stored);
        }
    }

    [Fact]
    public void FreshModel_IsTrainable_EveryParameterGetsAGradient()
    {
        var config = SD3Transformer2DConfig.Load(Path.Combine(TinyTransformerDir, SD3Transformer2DModel.ConfigFileName));
        using var model = new SD3Transformer2DModel(config);
        Assert.True(model.training);
        using var hidden = randn(2, config.InChannels, 8, 6);
        using var context = randn(2, 5, config.JointAttentionDim);
        using var pooled = randn(2, config.PooledProjectionDim);
        using var t = tensor(new float[] { 10.5f, 900f });
        using var result = model.forward(hidden, t, context, pooled);
        Assert.Equal(new long[] { 2, config.OutChannels, 8, 6 }, result.shape);
        using var loss = result.square().mean();
        loss.backward();
        var parameters = model.named_parameters().ToList();
        Assert.NotEmpty(parameters);
        foreach (var (name, p) in parameters)
        {
            Assert.True(p.requires_grad, name);
            Assert.True(p.grad is not null, $"{name} got no gradient");
            using var finite = p.grad!.isfinite().all();
            Assert.True(finite.item<bool>(), $"{name} has a non-finite gradient");
        }
    }

    [Fact]
    public void SaveThenLoad_GivesIdenticalOutputs()
    {
        using var model = SD3Transformer2DModel.Load(FixturePaths.CombineSd3("tiny-chats-sd3", "transformer_win"));
        model.Save(_dir);
        using var reloaded = SD3Transformer2DModel.Load(_dir);
        Assert.Equal(model.Config with { RawJson = null }, reloaded.Config with { RawJson = null });
        var tensors = ReadCase("tiny-chats-sd3", "transformer_win_case1.safetensors");
        try
        {
            using var mode = torch.inference_mode();
            using var a = model.forward(tensors["hidden_states"], tensors["timestep"], tensors["encoder_hidden_states"], tensors["pooled_projections"]);
            using var b = reloaded.forward(tensors["hidden_states"], tensors["timestep"], tensors["encoder_hidden_states"], tensors["pooled_projections"]);
            using var same = a.eq(b).all();
            Assert.True(same.item<bool>());
        }
        finally
        {
            ModelCases.Dispose(tensors);
        }
    }

    /// <summary>Copies tiny-sd3's transformer into the temp folder, letting <paramref name="edit"/> change its tensors.</summary>
    private void WriteTransformer(Action<Dictionary<string, Tensor>> edit)
    {
        File.Copy(Path.Combine(TinyTransformerDir, SD3Transformer2DModel.ConfigFileName), Path.Combine(_dir, SD3Transformer2DModel.ConfigFileName));
        var tensors = TorchSharp.PyBridge.Safetensors.LoadStateDict(Path.Combine(TinyTransformerDir, SD3Transformer2DModel.WeightsFileName));
        edit(tensors);
        StrictStateDict.Write(tensors, WeightsPath);
        ModelCases.Dispose(tensors);
    }

    [Fact]
    public void Load_UnchangedCopy_Succeeds()
    {
        WriteTransformer(_ => { });
        using var model = SD3Transformer2DModel.Load(_dir);
        Assert.False(model.training);
    }

    [Theory]
    [InlineData("transformer_blocks.1.attn.to_q.bias")]
    [InlineData("pos_embed.pos_embed")]
    [InlineData("transformer_blocks.0.ff_context.net.2.weight")]
    public void Load_MissingKey_FailsNamingFileAndKey(string key)
    {
        WriteTransformer(t => Assert.True(t.Remove(key, out var removed) && removed is not null));
        var e = Assert.Throws<InvalidDataException>(() => SD3Transformer2DModel.Load(_dir));
        Assert.Contains(WeightsPath, e.Message, StringComparison.Ordinal);
        Assert.Contains($"missing keys: {key}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RenamedKey_FailsNamingFileAndBothNames()
    {
        // The last block is context_pre_only: it has no to_add_out, so a key renamed onto it must not load.
        WriteTransformer(t =>
        {
            Assert.True(t.Remove("transformer_blocks.0.attn.to_add_out.bias", out var bias));
            t["transformer_blocks.1.attn.to_add_out.bias"] = bias!;
        });
        var e = Assert.Throws<InvalidDataException>(() => SD3Transformer2DModel.Load(_dir));
        Assert.Contains(WeightsPath, e.Message, StringComparison.Ordinal);
        Assert.Contains("missing keys: transformer_blocks.0.attn.to_add_out.bias", e.Message, StringComparison.Ordinal);
        Assert.Contains("unexpected keys: transformer_blocks.1.attn.to_add_out.bias", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WrongShape_FailsNamingFileKeyAndShapes()
    {
        WriteTransformer(t =>
        {
            t["pos_embed.pos_embed"].Dispose();
            t["pos_embed.pos_embed"] = zeros(1, 900, 32);
        });
        var e = Assert.Throws<InvalidDataException>(() => SD3Transformer2DModel.Load(_dir));
        Assert.Contains(WeightsPath, e.Message, StringComparison.Ordinal);
        Assert.Contains("wrong shape for 'pos_embed.pos_embed': file has [1, 900, 32], model expects [1, 1024, 32]", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(15, 16, "multiples of the patch size 2, got 15×16")]
    [InlineData(16, 9, "multiples of the patch size 2, got 16×9")]
    [InlineData(66, 16, "33×8 patches, more than the position-embedding grid of 32×32")]
    [InlineData(16, 70, "8×35 patches, more than the position-embedding grid of 32×32")]
    public void Forward_LatentSizeThatDoesNotFit_IsRejectedWithAClearMessage(int height, int width, string expected)
    {
        using var model = SD3Transformer2DModel.Load(TinyTransformerDir);
        using var mode = torch.inference_mode();
        using var hidden = randn(1, 16, height, width);
        using var context = randn(1, 4, 64);
        using var pooled = randn(1, 48);
        using var t = tensor(500f);
        var e = Assert.Throws<ArgumentException>(() => model.forward(hidden, t, context, pooled));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Equal("hiddenStates", e.ParamName);
    }

    [Fact]
    public void Forward_LargestLatentTheGridAllows_Runs()
    {
        using var model = SD3Transformer2DModel.Load(TinyTransformerDir);
        using var mode = torch.inference_mode();
        using var hidden = randn(1, 16, 64, 2);
        using var context = randn(1, 4, 64);
        using var pooled = randn(1, 48);
        using var t = tensor(500f);
        using var result = model.forward(hidden, t, context, pooled);
        Assert.Equal(new long[] { 1, 16, 64, 2 }, result.shape);
    }

    [Theory]
    [InlineData(new long[] { 1, 15, 8, 8 }, new long[] { 1, 4, 64 }, new long[] { 1, 48 }, new long[0], "hiddenStates", "(batch, 16, height, width)")]
    [InlineData(new long[] { 1, 16, 8, 8 }, new long[] { 1, 4, 65 }, new long[] { 1, 48 }, new long[0], "encoderHiddenStates", "(1, tokens, 64)")]
    [InlineData(new long[] { 2, 16, 8, 8 }, new long[] { 1, 4, 64 }, new long[] { 2, 48 }, new long[0], "encoderHiddenStates", "(2, tokens, 64)")]
    [InlineData(new long[] { 1, 16, 8, 8 }, new long[] { 1, 4, 64 }, new long[] { 1, 47 }, new long[0], "pooledProjections", "(1, 48)")]
    [InlineData(new long[] { 2, 16, 8, 8 }, new long[] { 2, 4, 64 }, new long[] { 2, 48 }, new long[] { 3 }, "timestep", "1 or 2 entries")]
    public void Forward_WrongInputShape_IsRejectedNamingTheInput(long[] hiddenShape, long[] contextShape, long[] pooledShape, long[] timestepShape, string param, string expected)
    {
        using var model = SD3Transformer2DModel.Load(TinyTransformerDir);
        using var mode = torch.inference_mode();
        using var hidden = randn(hiddenShape);
        using var context = randn(contextShape);
        using var pooled = randn(pooledShape);
        using var t = full(timestepShape, 500f);
        var e = Assert.Throws<ArgumentException>(() => model.forward(hidden, t, context, pooled));
        Assert.Equal(param, e.ParamName);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    private static string TinyConfigJson() => File.ReadAllText(Path.Combine(TinyTransformerDir, SD3Transformer2DModel.ConfigFileName));

    [Fact]
    public void Config_ReadsTinySd3()
    {
        var c = SD3Transformer2DConfig.Parse(TinyConfigJson());
        Assert.Equal((16, 2, 16, 16, 2, 8, 4), (c.SampleSize, c.PatchSize, c.InChannels, c.OutChannels, c.NumLayers, c.AttentionHeadDim, c.NumAttentionHeads));
        Assert.Equal((64, 32, 48, 32), (c.JointAttentionDim, c.CaptionProjectionDim, c.PooledProjectionDim, c.PosEmbedMaxSize));
        Assert.Equal(32, c.InnerDim);
    }

    [Theory]
    [InlineData("num_layers")]
    [InlineData("joint_attention_dim")]
    [InlineData("pooled_projection_dim")]
    public void Config_MissingRequiredField_FailsNamingFileAndField(string field)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(TinyConfigJson())!.AsObject();
        Assert.True(node.Remove(field));
        var e = Assert.Throws<InvalidDataException>(() => SD3Transformer2DConfig.Parse(node.ToJsonString(), "x/transformer/config.json"));
        Assert.Contains("x/transformer/config.json", e.Message, StringComparison.Ordinal);
        Assert.Contains($"'{field}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_CaptionWidthUnlikeInnerWidth_FailsNamingBoth()
    {
        string json = TinyConfigJson().Replace("\"caption_projection_dim\": 32", "\"caption_projection_dim\": 40", StringComparison.Ordinal);
        var e = Assert.Throws<InvalidDataException>(() => SD3Transformer2DConfig.Parse(json, "t/config.json"));
        Assert.Contains("caption_projection_dim 40", e.Message, StringComparison.Ordinal);
        Assert.Contains("4 × 8 = 32", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_LaterArchitectureFields_AreNotSupported()
    {
        string json = TinyConfigJson().Replace("\"sample_size\": 16", "\"sample_size\": 16, \"qk_norm\": \"rms_norm\"", StringComparison.Ordinal);
        var e = Assert.Throws<NotSupportedException>(() => SD3Transformer2DConfig.Parse(json, "t/config.json"));
        Assert.Contains("qk_norm", e.Message, StringComparison.Ordinal);
        Assert.Contains("rms_norm", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_NullOutChannels_IsInChannels_AndAbsentGridSizeIsDiffusersDefault()
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(TinyConfigJson())!.AsObject();
        node["in_channels"] = 8;
        node["out_channels"] = null;
        Assert.True(node.Remove("pos_embed_max_size"));
        var c = SD3Transformer2DConfig.Parse(node.ToJsonString());
        Assert.Equal(8, c.OutChannels);
        Assert.Equal(96, c.PosEmbedMaxSize);
    }

    [Fact]
    public void NoGrid_PositionEmbeddingIsComputedPerSize_AndNotStored()
    {
        string json = TinyConfigJson().Replace("\"pos_embed_max_size\": 32", "\"pos_embed_max_size\": null", StringComparison.Ordinal);
        var config = SD3Transformer2DConfig.Parse(json);
        Assert.Null(config.PosEmbedMaxSize);
        using var model = new SD3Transformer2DModel(config);
        Assert.DoesNotContain("pos_embed.pos_embed", model.state_dict().Keys);

        // The checkpoint's weights except its grid: on the full 32×32-patch grid the computed embedding is the stored one uncropped.
        var stored = TorchSharp.PyBridge.Safetensors.LoadStateDict(Path.Combine(TinyTransformerDir, SD3Transformer2DModel.WeightsFileName));
        try
        {
            using (no_grad())
            {
                foreach (var (key, value) in model.state_dict())
                {
                    value.copy_(stored[key]);
                }
            }

            model.eval();
            using var withGrid = SD3Transformer2DModel.Load(TinyTransformerDir);
            using var mode = torch.inference_mode();
            using var context = randn(1, 3, 64);
            using var pooled = randn(1, 48);
            using var t = tensor(3f);
            using var fullGrid = randn(1, 16, 64, 64);
            using var computed = model.forward(fullGrid, t, context, pooled);
            using var cropped = withGrid.forward(fullGrid, t, context, pooled);
            double err = ModelCases.MaxAbsError(computed, cropped);
            output.WriteLine($"no-grid vs stored grid on 64x64 max_abs={err:E3}");
            Assert.True(err <= 1e-5, $"computed position embedding differs from the stored grid: {err:E3}");

            // Beyond the stored grid's side: without a grid there is no limit.
            using var tall = randn(1, 16, 80, 6);
            using var result = model.forward(tall, t, context, pooled);
            Assert.Equal(new long[] { 1, 16, 80, 6 }, result.shape);
        }
        finally
        {
            ModelCases.Dispose(stored);
        }
    }
}
