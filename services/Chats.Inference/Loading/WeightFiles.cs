using System.Text.Json;

namespace Chats.Inference.Loading;

/// <summary>
/// The safetensors file(s) holding one component's weights, chosen the way diffusers and transformers name them:
/// one file (<c>diffusion_pytorch_model.safetensors</c>) or shards listed by an index
/// (<c>diffusion_pytorch_model.safetensors.index.json</c>), each either plain or as a half-precision variant
/// (<c>diffusion_pytorch_model.fp16.safetensors</c>, <c>diffusion_pytorch_model.safetensors.index.fp16.json</c>).
/// </summary>
internal sealed class WeightFiles
{
    /// <summary>Base name of diffusers model weights (UNet, VAE).</summary>
    public const string DiffusersBaseName = "diffusion_pytorch_model";

    /// <summary>Base name of transformers model weights (CLIP text encoders).</summary>
    public const string TransformersBaseName = "model";

    // Full precision first: it is what the model computes in, so nothing is rounded. Then the half-precision
    // variants released checkpoints ship instead (fp16 for most, bf16 for some); they are converted to fp32 on load.
    private static readonly string?[] s_variants = [null, "fp16", "bf16"];

    private WeightFiles(string source, IReadOnlyDictionary<string, string>? weightMap, IReadOnlyList<string> shards)
    {
        Source = source;
        WeightMap = weightMap;
        Shards = shards;
    }

    /// <summary>The file that names the weights: the single safetensors file, or the index of a sharded checkpoint. Errors name it.</summary>
    public string Source { get; }

    /// <summary>True when <see cref="Source"/> is an index JSON listing shards.</summary>
    public bool IsSharded => WeightMap is not null;

    /// <summary>For a sharded checkpoint, each key's shard (full path), as the index's <c>weight_map</c> lists it; otherwise null.</summary>
    public IReadOnlyDictionary<string, string>? WeightMap { get; }

    /// <summary>Full paths of the safetensors files to read: the one file, or every shard the index names (each once, in index order).</summary>
    public IReadOnlyList<string> Shards { get; }

    /// <summary>
    /// Finds the weights of the component in <paramref name="componentDir"/>: for the plain name, then the fp16 and bf16
    /// variants, a single file before an index. An index is read and checked here (every shard it names must exist).
    /// </summary>
    /// <param name="componentDir">The component folder, e.g. a pipeline's <c>unet</c>.</param>
    /// <param name="baseName"><see cref="DiffusersBaseName"/> or <see cref="TransformersBaseName"/>.</param>
    /// <exception cref="FileNotFoundException">No candidate file exists; the message lists the names looked for.</exception>
    /// <exception cref="InvalidDataException">The index is not valid or names a shard that does not exist; the message names the index.</exception>
    public static WeightFiles Resolve(string componentDir, string baseName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(componentDir);
        ArgumentException.ThrowIfNullOrWhiteSpace(baseName);
        var tried = new List<string>();
        foreach (string? variant in s_variants)
        {
            string single = Path.Combine(componentDir, variant is null ? $"{baseName}.safetensors" : $"{baseName}.{variant}.safetensors");
            string index = Path.Combine(componentDir, variant is null ? $"{baseName}.safetensors.index.json" : $"{baseName}.safetensors.index.{variant}.json");
            if (File.Exists(single))
            {
                return new WeightFiles(single, null, [single]);
            }

            if (File.Exists(index))
            {
                return FromIndex(index);
            }

            tried.Add(Path.GetFileName(single));
            tried.Add(Path.GetFileName(index));
        }

        string expected = Path.Combine(componentDir, $"{baseName}.safetensors");
        // Pickled PyTorch weights are never loaded (unpickling runs code); say so rather than only "not found".
        string pickle = File.Exists(Path.Combine(componentDir, $"{baseName}.bin"))
            ? $"; only {baseName}.bin is present, which is not loaded: convert it to safetensors"
            : string.Empty;
        throw new FileNotFoundException(
            $"{expected}: weights file not found (looked for {string.Join(", ", tried)} in {componentDir}){pickle}", expected);
    }

    /// <summary>Exactly the safetensors file at <paramref name="path"/>, with no lookup of variants or shards.</summary>
    public static WeightFiles Single(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return new WeightFiles(path, null, [path]);
    }

    private static WeightFiles FromIndex(string index)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(index))!;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(index));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{index}: invalid JSON in the shard index: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("weight_map", out var map)
                || map.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{index}: not a shard index (no \"weight_map\" object)");
            }

            var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            var shards = new List<string>();
            foreach (var entry in map.EnumerateObject())
            {
                string? file = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString() : null;
                // Shards sit beside the index; a name with a directory part could point anywhere on disk.
                if (string.IsNullOrEmpty(file) || file != Path.GetFileName(file) || file is "." or "..")
                {
                    throw new InvalidDataException($"{index}: weight_map entry '{entry.Name}' has an invalid shard file name {entry.Value.GetRawText()}");
                }

                string shard = Path.Combine(dir, file);
                if (!weightMap.TryAdd(entry.Name, shard))
                {
                    throw new InvalidDataException($"{index}: weight_map lists '{entry.Name}' twice");
                }

                if (!shards.Contains(shard, StringComparer.Ordinal))
                {
                    if (!File.Exists(shard))
                    {
                        throw new InvalidDataException($"{index}: shard '{file}' (holding '{entry.Name}') is missing: {shard} not found");
                    }

                    shards.Add(shard);
                }
            }

            if (weightMap.Count == 0)
            {
                throw new InvalidDataException($"{index}: the weight_map is empty");
            }

            return new WeightFiles(index, weightMap, shards);
        }
    }
}
