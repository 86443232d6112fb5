using Chats.Core.Loading;
using Chats.Inference.Models.Clip;
using Chats.Inference.Models.UNet2DCondition;
using Chats.Inference.Models.Vae;
using static TorchSharp.torch;
using Chats.Inference.Loading;

namespace Chats.Core.Tests.Loading;

/// <summary>
/// Checkpoints as they ship: tiny-sd15's components rewritten as shards with an index and as fp16 / bf16 variants
/// load to the same weights (and outputs) as the original files; broken indexes fail naming the file.
/// </summary>
[Collection("TorchSharp")]
public sealed class ShardedWeightsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chats-shards-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> Components => ["unet", "vae", "text_encoder"];

    private static string BaseName(string component) =>
        component.StartsWith("text_encoder", StringComparison.Ordinal) ? WeightFiles.TransformersBaseName : WeightFiles.DiffusersBaseName;

    private static string SourceDir(string component) => FixturePaths.Combine("tiny-sd15", component);

    private static string SourceWeights(string component) => Path.Combine(SourceDir(component), BaseName(component) + ".safetensors");

    private static nn.Module LoadComponent(string component, string dir) => component switch
    {
        "unet" => UNet2DConditionModel.Load(dir),
        "vae" => AutoencoderKL.Load(dir),
        "text_encoder" => ClipTextModel.Load(dir),
        _ => throw new ArgumentOutOfRangeException(nameof(component), component, null),
    };

    /// <summary>Writes <paramref name="component"/>'s weights into the temp folder through <paramref name="write"/>; returns its result.</summary>
    private T Rewrite<T>(string component, Func<Dictionary<string, Tensor>, T> write)
    {
        CheckpointCopies.CopyNonWeights(SourceDir(component), _dir);
        var tensors = CheckpointCopies.ReadAll(SourceWeights(component));
        try
        {
            return write(tensors);
        }
        finally
        {
            CheckpointCopies.DisposeAll(tensors);
        }
    }

    private (string Index, string[] Shards) WriteUNetShards() =>
        Rewrite("unet", t => CheckpointCopies.WriteSharded(t, _dir, WeightFiles.DiffusersBaseName));

    private static void AssertSameWeights(nn.Module expected, nn.Module actual, ScalarType? roundedThrough = null)
    {
        var loaded = actual.state_dict();
        var reference = expected.state_dict();
        Assert.Equal(reference.Keys.Order(StringComparer.Ordinal), loaded.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, value) in reference)
        {
            Assert.Equal(ScalarType.Float32, loaded[key].dtype);
            using var want = roundedThrough is { } d ? value.to(d).to(ScalarType.Float32) : value.alias();
            using var same = loaded[key].eq(want).all();
            Assert.True(same.item<bool>(), key);
        }
    }

    [Theory]
    [MemberData(nameof(Components))]
    public void TwoShardsWithIndex_LoadTheOriginalWeights(string component)
    {
        var (index, shards) = Rewrite(component, t => CheckpointCopies.WriteSharded(t, _dir, BaseName(component)));
        Assert.Equal(2, shards.Length);
        Assert.Equal(index, WeightFiles.Resolve(_dir, BaseName(component)).Source);
        using var original = LoadComponent(component, SourceDir(component));
        using var sharded = LoadComponent(component, _dir);
        AssertSameWeights(original, sharded);
    }

    [Fact]
    public void ShardedTextEncoder_GivesTheOriginalOutputs()
    {
        Rewrite("text_encoder", t => CheckpointCopies.WriteSharded(t, _dir, WeightFiles.TransformersBaseName, shardCount: 3));
        using var original = ClipTextModel.Load(SourceDir("text_encoder"));
        using var sharded = ClipTextModel.Load(_dir);
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var ids = tensor(new long[] { 49406, 320, 1125, 539, 49407, 49407 }.Select(i => i % original.Config.VocabSize).ToArray()).unsqueeze(0);
        using var a = original.forward(ids);
        using var b = sharded.forward(ids);
        Assert.True(a.LastHiddenState.allclose(b.LastHiddenState, rtol: 0, atol: 0));
        Assert.True(a.PooledOutput.allclose(b.PooledOutput, rtol: 0, atol: 0));
    }

    [Theory]
    [InlineData("unet", "fp16", ScalarType.Float16)]
    [InlineData("vae", "fp16", ScalarType.Float16)]
    [InlineData("text_encoder", "fp16", ScalarType.Float16)]
    [InlineData("unet", "bf16", ScalarType.BFloat16)]
    public void HalfPrecisionVariant_LoadsIntoFloat32(string component, string variant, ScalarType dtype)
    {
        string written = Rewrite(component, t => CheckpointCopies.WriteSingle(t, _dir, BaseName(component), variant, dtype));
        Assert.Equal(written, WeightFiles.Resolve(_dir, BaseName(component)).Source);
        using var original = LoadComponent(component, SourceDir(component));
        using var variantModel = LoadComponent(component, _dir);
        AssertSameWeights(original, variantModel, dtype);
    }

    [Fact]
    public void ShardedFp16Variant_LoadsIntoFloat32()
    {
        var (index, _) = Rewrite("unet", t => CheckpointCopies.WriteSharded(t, _dir, WeightFiles.DiffusersBaseName, variant: "fp16", dtype: ScalarType.Float16));
        Assert.EndsWith("diffusion_pytorch_model.safetensors.index.fp16.json", index, StringComparison.Ordinal);
        using var original = UNet2DConditionModel.Load(SourceDir("unet"));
        using var loaded = UNet2DConditionModel.Load(_dir);
        AssertSameWeights(original, loaded, ScalarType.Float16);
    }

    [Fact]
    public void PlainFile_IsChosenOverVariantAndShards()
    {
        string plain = Rewrite("vae", t =>
        {
            // The variant holds zeros, so loading it by mistake shows in the weights.
            var zeroed = t.ToDictionary(kv => kv.Key, kv => zeros_like(kv.Value), StringComparer.Ordinal);
            CheckpointCopies.WriteSingle(zeroed, _dir, WeightFiles.DiffusersBaseName, "fp16", ScalarType.Float16);
            CheckpointCopies.WriteSharded(zeroed, _dir, WeightFiles.DiffusersBaseName);
            CheckpointCopies.DisposeAll(zeroed);
            return CheckpointCopies.WriteSingle(t, _dir, WeightFiles.DiffusersBaseName);
        });
        Assert.Equal(plain, WeightFiles.Resolve(_dir, WeightFiles.DiffusersBaseName).Source);
        using var original = AutoencoderKL.Load(SourceDir("vae"));
        using var loaded = AutoencoderKL.Load(_dir);
        AssertSameWeights(original, loaded);
    }

    [Fact]
    public void MissingShard_FailsNamingIndexAndShard()
    {
        var (index, shards) = WriteUNetShards();
        File.Delete(shards[1]);
        var e = Assert.Throws<InvalidDataException>(() => UNet2DConditionModel.Load(_dir));
        Assert.Contains(index, e.Message, StringComparison.Ordinal);
        Assert.Contains(Path.GetFileName(shards[1]), e.Message, StringComparison.Ordinal);
        Assert.Contains("missing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IndexNamingUnknownFile_FailsNamingIndexAndFile()
    {
        var (index, _) = WriteUNetShards();
        var map = CheckpointCopies.ReadWeightMap(index);
        map["conv_in.weight"] = "diffusion_pytorch_model-00003-of-00002.safetensors";
        CheckpointCopies.WriteIndex(index, map);
        var e = Assert.Throws<InvalidDataException>(() => UNet2DConditionModel.Load(_dir));
        Assert.Contains(index, e.Message, StringComparison.Ordinal);
        Assert.Contains("diffusion_pytorch_model-00003-of-00002.safetensors", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShardWithKeyTheIndexDoesNotList_FailsNamingShardAndKey()
    {
        var (index, shards) = WriteUNetShards();
        var map = CheckpointCopies.ReadWeightMap(index);
        string key = map.First(kv => kv.Value == Path.GetFileName(shards[0])).Key;
        map.Remove(key);
        CheckpointCopies.WriteIndex(index, map);
        var e = Assert.Throws<InvalidDataException>(() => UNet2DConditionModel.Load(_dir));
        Assert.Contains(index, e.Message, StringComparison.Ordinal);
        Assert.Contains(shards[0], e.Message, StringComparison.Ordinal);
        Assert.Contains($"'{key}', which the index does not list", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IndexListingKeyInWrongShard_FailsNamingBothShards()
    {
        var (index, shards) = WriteUNetShards();
        var map = CheckpointCopies.ReadWeightMap(index);
        string key = map.First(kv => kv.Value == Path.GetFileName(shards[0])).Key;
        map[key] = Path.GetFileName(shards[1]);
        CheckpointCopies.WriteIndex(index, map);
        var e = Assert.Throws<InvalidDataException>(() => UNet2DConditionModel.Load(_dir));
        Assert.Contains(index, e.Message, StringComparison.Ordinal);
        Assert.Contains($"{shards[0]}: holds '{key}', which the index lists in {Path.GetFileName(shards[1])}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShardsMissingAModuleKey_FailNamingIndexAndKey()
    {
        var (index, _) = Rewrite("unet", t =>
        {
            Assert.True(t.Remove("conv_out.bias", out var removed));
            removed.Dispose();
            return CheckpointCopies.WriteSharded(t, _dir, WeightFiles.DiffusersBaseName);
        });
        var e = Assert.Throws<InvalidDataException>(() => UNet2DConditionModel.Load(_dir));
        Assert.Contains(index, e.Message, StringComparison.Ordinal);
        Assert.Contains("missing keys: conv_out.bias", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShardWithWrongShape_FailsNamingIndexShardAndShapes()
    {
        var (index, shards) = Rewrite("unet", t =>
        {
            t["conv_out.bias"].Dispose();
            t["conv_out.bias"] = zeros(5);
            return CheckpointCopies.WriteSharded(t, _dir, WeightFiles.DiffusersBaseName);
        });
        var e = Assert.Throws<InvalidDataException>(() => UNet2DConditionModel.Load(_dir));
        Assert.Contains(index, e.Message, StringComparison.Ordinal);
        Assert.Contains("wrong shape for 'conv_out.bias' (in ", e.Message, StringComparison.Ordinal);
        Assert.Contains("file has [5], model expects [4]", e.Message, StringComparison.Ordinal);
        Assert.Contains(shards.Select(Path.GetFileName), s => e.Message.Contains(s!, StringComparison.Ordinal));
    }

    [Fact]
    public void CorruptShardHeader_FailsNamingShard()
    {
        var (_, shards) = WriteUNetShards();
        File.WriteAllBytes(shards[1], [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, (byte)'{', (byte)'}']);
        var e = Assert.Throws<InvalidDataException>(() => UNet2DConditionModel.Load(_dir));
        Assert.Contains(shards[1], e.Message, StringComparison.Ordinal);
        Assert.Contains("corrupt safetensors header", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"metadata\": {}}")]
    [InlineData("{\"weight_map\": {}}")]
    [InlineData("{\"weight_map\": {\"conv_in.weight\": \"../unet/diffusion_pytorch_model.safetensors\"}}")]
    public void InvalidIndex_FailsNamingIndex(string json)
    {
        string index = Path.Combine(_dir, "diffusion_pytorch_model.safetensors.index.json");
        File.WriteAllText(index, json);
        var e = Assert.Throws<InvalidDataException>(() => WeightFiles.Resolve(_dir, WeightFiles.DiffusersBaseName));
        Assert.Contains(index, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoWeights_FailsListingTheNamesLookedFor()
    {
        var e = Assert.Throws<FileNotFoundException>(() => WeightFiles.Resolve(_dir, WeightFiles.TransformersBaseName));
        Assert.Contains(Path.Combine(_dir, "model.safetensors"), e.Message, StringComparison.Ordinal);
        Assert.Contains("model.fp16.safetensors", e.Message, StringComparison.Ordinal);
        Assert.Contains("model.safetensors.index.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OnlyPickledWeights_SaysToConvert()
    {
        File.WriteAllBytes(Path.Combine(_dir, "diffusion_pytorch_model.bin"), [0x80, 0x02]);
        var e = Assert.Throws<FileNotFoundException>(() => WeightFiles.Resolve(_dir, WeightFiles.DiffusersBaseName));
        Assert.Contains("diffusion_pytorch_model.bin", e.Message, StringComparison.Ordinal);
        Assert.Contains("convert it to safetensors", e.Message, StringComparison.Ordinal);
    }
}
