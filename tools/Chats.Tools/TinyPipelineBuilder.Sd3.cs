using System.Text.Json;
using System.Text.Json.Nodes;
using Chats.Core.Tokenization;
using Chats.Inference.Models.Clip;
using TorchSharp;
using TorchSharp.Modules;

namespace Chats.Tools;

public static partial class TinyPipelineBuilder
{
    /// <summary>
    /// Writes at <paramref name="directory"/> (replacing files there) an SD3 pipeline that serves end to end: a copy of
    /// <paramref name="fixtureFolder"/>'s components (the reference fixtures' <c>tiny-sd3</c>: transformer, vae,
    /// scheduler; or <c>tiny-chats-sd3</c>: transformer_win, transformer_lose, vae, scheduler; its <c>cases</c> are left
    /// out) plus seeded tiny CLIP-L / CLIP-G text encoders (CLIPTextModelWithProjection) and their tokenizers, with a
    /// model_index.json of class StableDiffusion3Pipeline naming them (text_encoder_3 / tokenizer_3 stay null: no T5).
    /// Default encoder sizes: see <see cref="TinySd3PipelineOptions"/>.
    /// </summary>
    public static void CreateSd3(string directory, string fixtureFolder, long seed = TinyPipelineOptions.DefaultSeed) =>
        CreateSd3(directory, fixtureFolder, new TinySd3PipelineOptions { Seed = seed });

    /// <summary>As <see cref="CreateSd3(string, string, long)"/>, with the text encoders <paramref name="options"/> describe.</summary>
    /// <exception cref="DirectoryNotFoundException">The fixture folder does not exist.</exception>
    /// <exception cref="InvalidDataException">The fixture folder has no model_index.json, or it is not a JSON object.</exception>
    public static void CreateSd3(string directory, string fixtureFolder, TinySd3PipelineOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentException.ThrowIfNullOrWhiteSpace(fixtureFolder);
        ArgumentNullException.ThrowIfNull(options);
        if (!Directory.Exists(fixtureFolder))
        {
            throw new DirectoryNotFoundException($"{fixtureFolder}: SD3 fixture folder not found");
        }

        string fixtureIndex = Path.Combine(fixtureFolder, "model_index.json");
        if (!File.Exists(fixtureIndex) || JsonNode.Parse(File.ReadAllText(fixtureIndex)) is not JsonObject index)
        {
            throw new InvalidDataException($"{fixtureIndex}: missing or not a JSON object");
        }

        Directory.CreateDirectory(directory);
        foreach (var (component, value) in index)
        {
            // Copy what the fixture ships (the components with a class); text components are written below.
            if (component.StartsWith('_') || value is not JsonArray { Count: 2 } entry || entry[1] is null)
            {
                continue;
            }

            CopyComponent(Path.Combine(fixtureFolder, component), Path.Combine(directory, component));
        }

        // In SD3's key order (the fixture's); both CLIP encoders are CLIPTextModelWithProjection there.
        index["_class_name"] = "StableDiffusion3Pipeline";
        index["text_encoder"] = new JsonArray("transformers", "CLIPTextModelWithProjection");
        index["text_encoder_2"] = new JsonArray("transformers", "CLIPTextModelWithProjection");
        index["tokenizer"] = new JsonArray("transformers", "CLIPTokenizer");
        index["tokenizer_2"] = new JsonArray("transformers", "CLIPTokenizer");
        index["text_encoder_3"] = new JsonArray((JsonNode?)null, (JsonNode?)null);
        index["tokenizer_3"] = new JsonArray((JsonNode?)null, (JsonNode?)null);
        File.WriteAllText(Path.Combine(directory, "model_index.json"), index.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

        // SD3's CLIP-L pads with <|endoftext|>, its CLIP-G with "!", as SDXL's two tokenizers do.
        var merges = ClipVocabularyBuilder.Build(s_corpus, 120, Path.Combine(directory, "tokenizer"));
        ClipVocabularyBuilder.Build(s_corpus, 120, Path.Combine(directory, "tokenizer_2"), padToken: "!");
        int vocabSize = 512 + merges.Count + 2;
        WriteSd3TextEncoder(Path.Combine(directory, "text_encoder"), vocabSize, options.ClipLHiddenSize, options.ClipLProjectionDim, ClipHiddenActivation.QuickGelu, options.Seed + 20);
        WriteSd3TextEncoder(Path.Combine(directory, "text_encoder_2"), vocabSize, options.ClipGHiddenSize, options.ClipGProjectionDim, ClipHiddenActivation.Gelu, options.Seed + 21);
    }

    private static void WriteSd3TextEncoder(string componentDir, int vocabSize, int hiddenSize, int projectionDim, ClipHiddenActivation activation, long seed)
    {
        // The end-of-text id is the real one (not the legacy 2), so pooling takes the first <|endoftext|>: right for both pad tokens.
        var config = new ClipTextConfig
        {
            HiddenSize = hiddenSize,
            IntermediateSize = 2 * hiddenSize,
            NumAttentionHeads = 4,
            NumHiddenLayers = 2,
            MaxPositionEmbeddings = 77,
            VocabSize = vocabSize,
            HiddenAct = activation,
            ProjectionDim = projectionDim,
            EosTokenId = vocabSize - 1,
        };
        Directory.CreateDirectory(componentDir);
        using var encoder = new ClipTextModelWithProjection(config);
        DrawDefaultInitialisation(encoder, seed);
        encoder.Save(componentDir);
    }

    // PyTorch's default initialisation (Linear: U(±1/√fan_in) for weight and bias; Embedding: N(0, 1); LayerNorm's
    // constant 1 and 0 kept), drawn again from a generator of our own: the global one that the constructor used is
    // shared by every thread, so a concurrent torch user between a manual_seed and the draws would change the weights.
    private static void DrawDefaultInitialisation(torch.nn.Module module, long seed)
    {
        using var generator = new torch.Generator(unchecked((ulong)seed));
        using var noGrad = torch.no_grad();
        foreach (var (_, child) in module.named_modules())
        {
            switch (child)
            {
                case Linear linear:
                    double bound = 1.0 / Math.Sqrt(linear.weight!.shape[1]);
                    linear.weight.uniform_(-bound, bound, generator);
                    linear.bias?.uniform_(-bound, bound, generator);
                    break;
                case Embedding embedding:
                    embedding.weight!.normal_(0, 1, generator);
                    break;
            }
        }
    }

    // Fresh, writable files (the fixtures are read-only), so a second build into the same folder can replace them.
    private static void CopyComponent(string source, string destination)
    {
        if (!Directory.Exists(source))
        {
            throw new DirectoryNotFoundException($"{source}: component folder named by the fixture's model_index.json is missing");
        }

        Directory.CreateDirectory(destination);
        foreach (string file in Directory.GetFiles(source))
        {
            File.WriteAllBytes(Path.Combine(destination, Path.GetFileName(file)), File.ReadAllBytes(file));
        }
    }
}
