using System.Text.Json;
using System.Text.Json.Nodes;

namespace Chats.Inference.Models.Clip;

/// <summary>
/// The subset of transformers' <c>CLIPTextConfig</c> that determines the text encoder's shape and
/// forward pass, read from a component folder's <c>config.json</c>.
/// </summary>
public sealed record ClipTextConfig
{
    /// <summary>The architecture name of <see cref="ClipTextModel"/> in config.json.</summary>
    public const string TextModelArchitecture = "CLIPTextModel";

    /// <summary>The architecture name of <see cref="ClipTextModelWithProjection"/> in config.json.</summary>
    public const string TextModelWithProjectionArchitecture = "CLIPTextModelWithProjection";

    /// <summary>Width of the residual stream (<c>hidden_size</c>).</summary>
    public required int HiddenSize { get; init; }

    /// <summary>Width of the MLP's hidden layer (<c>intermediate_size</c>).</summary>
    public required int IntermediateSize { get; init; }

    /// <summary>Number of attention heads (<c>num_attention_heads</c>); divides <see cref="HiddenSize"/>.</summary>
    public required int NumAttentionHeads { get; init; }

    /// <summary>Number of encoder layers (<c>num_hidden_layers</c>).</summary>
    public required int NumHiddenLayers { get; init; }

    /// <summary>Number of learned positions (<c>max_position_embeddings</c>), the longest input.</summary>
    public required int MaxPositionEmbeddings { get; init; }

    /// <summary>Number of token embeddings (<c>vocab_size</c>).</summary>
    public required int VocabSize { get; init; }

    /// <summary>MLP activation (<c>hidden_act</c>).</summary>
    public ClipHiddenActivation HiddenAct { get; init; } = ClipHiddenActivation.QuickGelu;

    /// <summary>LayerNorm epsilon (<c>layer_norm_eps</c>).</summary>
    public double LayerNormEps { get; init; } = 1e-5;

    /// <summary>Output width of <c>text_projection</c> (<c>projection_dim</c>); used by the projection model only.</summary>
    public int ProjectionDim { get; init; } = 512;

    /// <summary>
    /// End-of-text id (<c>eos_token_id</c>). The value 2 selects transformers' legacy pooling rule
    /// (position of the largest input id), which released SD/SDXL configs rely on.
    /// </summary>
    public int EosTokenId { get; init; } = 2;

    /// <summary>Model class names (<c>architectures</c>); empty when config.json has none.</summary>
    public IReadOnlyList<string> Architectures { get; init; } = [];

    /// <summary>Size of one attention head.</summary>
    public int HeadDim => HiddenSize / NumAttentionHeads;

    /// <summary>Reads and validates <c>config.json</c>.</summary>
    /// <exception cref="InvalidDataException">A required field is missing or a value is unsupported; the message names the field.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist; the message names it.</exception>
    public static ClipTextConfig Load(string configPath)
    {
        // The same message as the diffusers configs give (ConfigJson.Load), so every missing file reads alike.
        if (!File.Exists(configPath))
        {
            throw new FileNotFoundException($"{configPath}: config file not found", configPath);
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(configPath));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{configPath}: not valid JSON: {e.Message}", e);
        }

        if (root is not JsonObject json)
        {
            throw new InvalidDataException($"{configPath}: expected a JSON object.");
        }

        var config = new ClipTextConfig
        {
            HiddenSize = RequiredInt(json, "hidden_size", configPath),
            IntermediateSize = RequiredInt(json, "intermediate_size", configPath),
            NumAttentionHeads = RequiredInt(json, "num_attention_heads", configPath),
            NumHiddenLayers = RequiredInt(json, "num_hidden_layers", configPath),
            MaxPositionEmbeddings = RequiredInt(json, "max_position_embeddings", configPath),
            VocabSize = RequiredInt(json, "vocab_size", configPath),
            HiddenAct = ParseActivation(OptionalString(json, "hidden_act", configPath) ?? "quick_gelu", configPath),
            LayerNormEps = OptionalDouble(json, "layer_norm_eps", configPath) ?? 1e-5,
            ProjectionDim = OptionalInt(json, "projection_dim", configPath) ?? 512,
            EosTokenId = OptionalInt(json, "eos_token_id", configPath) ?? 2,
            Architectures = ParseArchitectures(json, configPath),
        };
        config.Validate(configPath);
        return config;
    }

    /// <summary>Writes config.json in transformers' field names, so transformers can read it back.</summary>
    public void Save(string configPath)
    {
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray([.. Architectures.Select(a => (JsonNode?)JsonValue.Create(a))]),
            ["attention_dropout"] = 0.0,
            ["bos_token_id"] = 0,
            ["dropout"] = 0.0,
            ["eos_token_id"] = EosTokenId,
            ["hidden_act"] = HiddenAct == ClipHiddenActivation.Gelu ? "gelu" : "quick_gelu",
            ["hidden_size"] = HiddenSize,
            ["initializer_factor"] = 1.0,
            ["initializer_range"] = 0.02,
            ["intermediate_size"] = IntermediateSize,
            ["layer_norm_eps"] = LayerNormEps,
            ["max_position_embeddings"] = MaxPositionEmbeddings,
            ["model_type"] = "clip_text_model",
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["pad_token_id"] = 1,
            ["projection_dim"] = ProjectionDim,
            ["torch_dtype"] = "float32",
            ["vocab_size"] = VocabSize,
        };
        File.WriteAllText(configPath, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Checks the values that would otherwise fail later inside the forward pass.</summary>
    /// <exception cref="InvalidDataException">A value is unsupported; the message names the field.</exception>
    public void Validate(string source = "ClipTextConfig")
    {
        RequirePositive(HiddenSize, "hidden_size", source);
        RequirePositive(IntermediateSize, "intermediate_size", source);
        RequirePositive(NumAttentionHeads, "num_attention_heads", source);
        RequirePositive(NumHiddenLayers, "num_hidden_layers", source);
        RequirePositive(MaxPositionEmbeddings, "max_position_embeddings", source);
        RequirePositive(VocabSize, "vocab_size", source);
        RequirePositive(ProjectionDim, "projection_dim", source);
        if (HiddenSize % NumAttentionHeads != 0)
        {
            throw new InvalidDataException(
                $"{source}: num_attention_heads ({NumAttentionHeads}) must divide hidden_size ({HiddenSize}).");
        }

        if (!(LayerNormEps > 0))
        {
            throw new InvalidDataException($"{source}: layer_norm_eps must be positive, got {LayerNormEps}.");
        }

        if (EosTokenId < 0 || EosTokenId >= VocabSize)
        {
            throw new InvalidDataException($"{source}: eos_token_id {EosTokenId} is outside the vocabulary (vocab_size {VocabSize}).");
        }
    }

    /// <summary>Fails unless <see cref="Architectures"/> is empty or names <paramref name="architecture"/>.</summary>
    internal void RequireArchitecture(string architecture, string source)
    {
        if (Architectures.Count > 0 && !Architectures.Contains(architecture, StringComparer.Ordinal))
        {
            throw new InvalidDataException(
                $"{source}: architectures is [{string.Join(", ", Architectures)}], expected {architecture}.");
        }
    }

    private static ClipHiddenActivation ParseActivation(string value, string source) => value switch
    {
        "quick_gelu" => ClipHiddenActivation.QuickGelu,
        "gelu" => ClipHiddenActivation.Gelu,
        _ => throw new InvalidDataException($"{source}: hidden_act '{value}' is not supported (quick_gelu or gelu)."),
    };

    private static string[] ParseArchitectures(JsonObject json, string source)
    {
        if (!json.TryGetPropertyValue("architectures", out JsonNode? node) || node is null)
        {
            return [];
        }

        if (node is not JsonArray array)
        {
            throw new InvalidDataException($"{source}: architectures must be an array of strings.");
        }

        var names = new string[array.Count];
        for (int i = 0; i < array.Count; i++)
        {
            names[i] = array[i] is JsonValue v && v.TryGetValue(out string? s)
                ? s
                : throw new InvalidDataException($"{source}: architectures[{i}] must be a string.");
            if (names[i] is not (TextModelArchitecture or TextModelWithProjectionArchitecture))
            {
                throw new InvalidDataException(
                    $"{source}: architectures '{names[i]}' is not supported ({TextModelArchitecture} or {TextModelWithProjectionArchitecture}).");
            }
        }

        return names;
    }

    private static void RequirePositive(int value, string field, string source)
    {
        if (value <= 0)
        {
            throw new InvalidDataException($"{source}: {field} must be positive, got {value}.");
        }
    }

    private static int RequiredInt(JsonObject json, string field, string source) =>
        OptionalInt(json, field, source) ?? throw new InvalidDataException($"{source}: required field {field} is missing.");

    private static int? OptionalInt(JsonObject json, string field, string source)
    {
        if (!json.TryGetPropertyValue(field, out JsonNode? node) || node is null)
        {
            return null;
        }

        if (node is JsonValue value && value.TryGetValue(out JsonElement element) &&
            element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out int result))
        {
            return result;
        }

        throw new InvalidDataException($"{source}: {field} must be an integer, got {node.ToJsonString()}.");
    }

    private static double? OptionalDouble(JsonObject json, string field, string source)
    {
        if (!json.TryGetPropertyValue(field, out JsonNode? node) || node is null)
        {
            return null;
        }

        if (node is JsonValue value && value.TryGetValue(out JsonElement element) &&
            element.ValueKind == JsonValueKind.Number)
        {
            return element.GetDouble();
        }

        throw new InvalidDataException($"{source}: {field} must be a number, got {node.ToJsonString()}.");
    }

    private static string? OptionalString(JsonObject json, string field, string source)
    {
        if (!json.TryGetPropertyValue(field, out JsonNode? node) || node is null)
        {
            return null;
        }

        return node is JsonValue value && value.TryGetValue(out JsonElement element) &&
            element.ValueKind == JsonValueKind.String
            ? element.GetString()
            : throw new InvalidDataException($"{source}: {field} must be a string, got {node.ToJsonString()}.");
    }
}
