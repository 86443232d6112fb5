using System.Text.Json;
using Chats.Core.Loading;
using TorchSharp.PyBridge;
using static TorchSharp.torch;
using Chats.Inference.Loading;

namespace Chats.Core.Tests.Loading;

/// <summary>Writes a fixture component's weights the ways released checkpoints ship them: sharded with an index, or as a half-precision variant.</summary>
internal static class CheckpointCopies
{
    /// <summary>Copies the component folder <paramref name="source"/> (config and tokenizer files, not weights) to <paramref name="destination"/>.</summary>
    public static void CopyNonWeights(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (string file in Directory.GetFiles(source).Where(f => !f.EndsWith(".safetensors", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }
    }

    /// <summary>Reads every tensor of a safetensors file (the caller disposes them).</summary>
    public static Dictionary<string, Tensor> ReadAll(string path) => Safetensors.LoadStateDict(path);

    /// <summary>Writes <paramref name="tensors"/> converted to <paramref name="dtype"/> as one file <c>{baseName}[.{variant}].safetensors</c>.</summary>
    public static string WriteSingle(IReadOnlyDictionary<string, Tensor> tensors, string dir, string baseName, string? variant = null, ScalarType? dtype = null)
    {
        string path = Path.Combine(dir, variant is null ? $"{baseName}.safetensors" : $"{baseName}.{variant}.safetensors");
        WriteConverted(tensors, path, dtype);
        return path;
    }

    /// <summary>
    /// Splits <paramref name="tensors"/> (sorted by name) into <paramref name="shardCount"/> shards named as
    /// diffusers / transformers name them, and writes the index; returns the index path and the shard paths.
    /// </summary>
    public static (string Index, string[] Shards) WriteSharded(
        IReadOnlyDictionary<string, Tensor> tensors, string dir, string baseName, int shardCount = 2, string? variant = null, ScalarType? dtype = null)
    {
        var keys = tensors.Keys.Order(StringComparer.Ordinal).ToList();
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var shards = new string[shardCount];
        string stem = variant is null ? baseName : $"{baseName}.{variant}";
        int perShard = (keys.Count + shardCount - 1) / shardCount;
        for (int s = 0; s < shardCount; s++)
        {
            string name = $"{stem}-{s + 1:D5}-of-{shardCount:D5}.safetensors";
            var part = keys.Skip(s * perShard).Take(perShard).ToDictionary(k => k, k => tensors[k], StringComparer.Ordinal);
            foreach (string key in part.Keys)
            {
                weightMap[key] = name;
            }

            shards[s] = Path.Combine(dir, name);
            WriteConverted(part, shards[s], dtype);
        }

        string index = Path.Combine(dir, variant is null ? $"{baseName}.safetensors.index.json" : $"{baseName}.safetensors.index.{variant}.json");
        WriteIndex(index, weightMap);
        return (index, shards);
    }

    /// <summary>Writes an index JSON in the layout diffusers and transformers write.</summary>
    public static void WriteIndex(string path, IReadOnlyDictionary<string, string> weightMap)
    {
        var document = new Dictionary<string, object>
        {
            ["metadata"] = new Dictionary<string, long> { ["total_size"] = 0 },
            ["weight_map"] = weightMap,
        };
        File.WriteAllText(path, JsonSerializer.Serialize(document));
    }

    /// <summary>Reads the index's weight_map.</summary>
    public static Dictionary<string, string> ReadWeightMap(string index)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(index));
        return document.RootElement.GetProperty("weight_map").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
    }

    private static void WriteConverted(IReadOnlyDictionary<string, Tensor> tensors, string path, ScalarType? dtype)
    {
        var converted = tensors.ToDictionary(kv => kv.Key, kv => dtype is { } d ? kv.Value.to(d) : kv.Value.alias(), StringComparer.Ordinal);
        try
        {
            StrictStateDict.Write(converted, path);
        }
        finally
        {
            foreach (var t in converted.Values)
            {
                t.Dispose();
            }
        }
    }

    /// <summary>Disposes every tensor of a state dict read with <see cref="ReadAll"/>.</summary>
    public static void DisposeAll(Dictionary<string, Tensor> tensors)
    {
        foreach (var t in tensors.Values)
        {
            t.Dispose();
        }
    }
}
