using Chats.Inference.Models.Clip;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Chats.Core.Tests.Models.Clip;

[Collection("TorchSharp")]
public sealed class ClipTextModelLoadTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clip-load-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ClipTextConfig TinyConfig(ClipHiddenActivation activation = ClipHiddenActivation.QuickGelu) => new()
    {
        HiddenSize = 16,
        IntermediateSize = 24,
        NumAttentionHeads = 2,
        NumHiddenLayers = 2,
        MaxPositionEmbeddings = 12,
        VocabSize = 50,
        HiddenAct = activation,
        ProjectionDim = 8,
    };

    [Fact]
    public void StateDictKeys_EqualFixtureWeightKeys()
    {
        using var model = ClipTextModelWithProjection.Load(FixturePaths.Combine("tiny-sdxl", "text_encoder_2"));
        Dictionary<string, Tensor> stored = Safetensors.LoadStateDict(FixturePaths.Combine("tiny-sdxl", "text_encoder_2", "model.safetensors"));
        Assert.Equal(stored.Keys.Order(StringComparer.Ordinal), model.state_dict().Keys.Order(StringComparer.Ordinal));
        foreach (Tensor t in stored.Values)
        {
            t.Dispose();
        }
    }

    [Fact]
    public void SaveThenLoad_RoundTripsWeightsAndOutputs()
    {
        torch.manual_seed(7);
        using var model = new ClipTextModelWithProjection(TinyConfig(ClipHiddenActivation.Gelu));
        model.Save(_dir);
        using var loaded = ClipTextModelWithProjection.Load(_dir);
        Assert.Equal(model.Config with { Architectures = [] }, loaded.Config with { Architectures = [] });

        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        Tensor ids = tensor(new long[] { 48, 3, 7, 49, 0, 0 }).unsqueeze(0);
        using ClipTextOutput a = model.forward(ids);
        using ClipTextOutput b = loaded.forward(ids);
        Assert.True(a.LastHiddenState.allclose(b.LastHiddenState, rtol: 0, atol: 0));
        Assert.True(a.TextEmbeds!.allclose(b.TextEmbeds!, rtol: 0, atol: 0));
        Assert.Equal([1L, 6, 16], a.PenultimateHiddenState.shape);
        Assert.Equal([1L, 8], a.TextEmbeds.shape);
    }

    [Fact]
    public void SameSeed_GivesSameWeights()
    {
        torch.manual_seed(11);
        using var first = new ClipTextModel(TinyConfig());
        torch.manual_seed(11);
        using var second = new ClipTextModel(TinyConfig());
        foreach ((string key, Tensor value) in first.state_dict())
        {
            Assert.True(value.allclose(second.state_dict()[key], rtol: 0, atol: 0), key);
        }
    }

    [Fact]
    public void Load_Fp16Weights_LoadIntoFp32()
    {
        torch.manual_seed(3);
        using var model = new ClipTextModel(TinyConfig());
        model.Save(_dir);
        string weights = Path.Combine(_dir, "model.safetensors");
        Dictionary<string, Tensor> half = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().to(ScalarType.Float16));
        Safetensors.SaveStateDict(weights, half);
        using var loaded = ClipTextModel.Load(_dir);
        foreach ((string key, Tensor value) in loaded.state_dict())
        {
            Assert.Equal(ScalarType.Float32, value.dtype);
            using Tensor expected = half[key].to(ScalarType.Float32);
            Assert.True(value.allclose(expected, rtol: 0, atol: 0), key);
        }
    }

    [Fact]
    public void Load_MissingKey_NamesFileAndKey()
    {
        torch.manual_seed(3);
        using var model = new ClipTextModel(TinyConfig());
        model.Save(_dir);
        string weights = Path.Combine(_dir, "model.safetensors");
        Dictionary<string, Tensor> state = model.state_dict();
        state.Remove("text_model.final_layer_norm.bias");
        Safetensors.SaveStateDict(weights, state);
        var error = Assert.Throws<InvalidDataException>(() => ClipTextModel.Load(_dir));
        Assert.Contains(weights, error.Message, StringComparison.Ordinal);
        Assert.Contains("text_model.final_layer_norm.bias", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnexpectedKey_NamesFileAndKey()
    {
        torch.manual_seed(3);
        using var model = new ClipTextModel(TinyConfig());
        model.Save(_dir);
        string weights = Path.Combine(_dir, "model.safetensors");
        Dictionary<string, Tensor> state = model.state_dict();
        state["text_projection.weight"] = zeros(8, 16);
        Safetensors.SaveStateDict(weights, state);
        var error = Assert.Throws<InvalidDataException>(() => ClipTextModel.Load(_dir));
        Assert.Contains(weights, error.Message, StringComparison.Ordinal);
        Assert.Contains("text_projection.weight", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WrongShape_NamesFileAndKey()
    {
        torch.manual_seed(3);
        using var model = new ClipTextModel(TinyConfig());
        model.Save(_dir);
        string weights = Path.Combine(_dir, "model.safetensors");
        Dictionary<string, Tensor> state = model.state_dict();
        state["text_model.embeddings.token_embedding.weight"] = zeros(51, 16);
        Safetensors.SaveStateDict(weights, state);
        var error = Assert.Throws<InvalidDataException>(() => ClipTextModel.Load(_dir));
        Assert.Contains(weights, error.Message, StringComparison.Ordinal);
        Assert.Contains("text_model.embeddings.token_embedding.weight", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hidden_act", "\"relu\"")]
    [InlineData("num_attention_heads", "3")]
    [InlineData("architectures", "[\"T5EncoderModel\"]")]
    [InlineData("vocab_size", "\"many\"")]
    public void LoadConfig_UnsupportedValue_NamesField(string field, string value)
    {
        var fields = new Dictionary<string, string>
        {
            ["hidden_size"] = "16",
            ["intermediate_size"] = "24",
            ["num_attention_heads"] = "2",
            ["num_hidden_layers"] = "2",
            ["max_position_embeddings"] = "12",
            ["vocab_size"] = "50",
        };
        fields[field] = value;
        string path = Path.Combine(_dir, "config.json");
        File.WriteAllText(path, "{" + string.Join(", ", fields.Select(kv => $"\"{kv.Key}\": {kv.Value}")) + "}");
        var error = Assert.Throws<InvalidDataException>(() => ClipTextConfig.Load(path));
        Assert.Contains(field, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadConfig_MissingField_NamesField()
    {
        string path = Path.Combine(_dir, "config.json");
        File.WriteAllText(path, "{\"hidden_size\": 16}");
        var error = Assert.Throws<InvalidDataException>(() => ClipTextConfig.Load(path));
        Assert.Contains("intermediate_size", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ProjectionFolderAsTextModel_NamesArchitectures()
    {
        var error = Assert.Throws<InvalidDataException>(() => ClipTextModel.Load(FixturePaths.Combine("tiny-sdxl", "text_encoder_2")));
        Assert.Contains("architectures", error.Message, StringComparison.Ordinal);
    }
}
