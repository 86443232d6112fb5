using System.Text;
using System.Text.Json;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Chats.Inference.Loading;

/// <summary>
/// Strict safetensors state-dict loading and saving for TorchSharp modules: every module key must be in the weights
/// with the same shape and the weights must have no other key; floating-point weights of another dtype (fp16, bf16) are
/// converted to the module's dtype. A sharded checkpoint is checked as one state dict, and its index must list exactly
/// what each shard holds. Every error names the file. This is the only strict check: every model loader comes here.
/// </summary>
internal static class StrictStateDict
{
    /// <summary>Copies the tensors of the safetensors file at <paramref name="path"/> into <paramref name="module"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is unreadable or its keys or shapes do not match.</exception>
    public static void Load(nn.Module module, string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: weights file not found", path);
        }

        Load(module, WeightFiles.Single(path));
    }

    /// <summary>
    /// Copies the tensors of <paramref name="weights"/> (one file or every shard) into <paramref name="module"/>.
    /// All headers are checked against the module before any tensor data is read, and shards are then read one at a
    /// time, so a mismatch fails fast and a sharded checkpoint never sits in memory twice.
    /// </summary>
    /// <param name="module">The module whose state dict receives the weights.</param>
    /// <param name="weights">The resolved weight files.</param>
    /// <param name="ignoredKeys">Keys that may appear in the files and are skipped (stale buffers old exporters wrote).</param>
    /// <param name="ignoredPrefixes">Key prefixes skipped as well: parts of a checkpoint a role does not hold (the VAE encoder in the decoder service).</param>
    /// <exception cref="InvalidDataException">A file is unreadable, the index disagrees with the shards, or keys, shapes or dtypes do not match.</exception>
    public static void Load(nn.Module module, WeightFiles weights, IReadOnlySet<string>? ignoredKeys = null, IReadOnlyList<string>? ignoredPrefixes = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(weights);
        Dictionary<string, StoredTensor> stored = ReadHeaders(weights);
        if (ignoredKeys is not null)
        {
            foreach (string key in ignoredKeys)
            {
                stored.Remove(key);
            }
        }

        if (ignoredPrefixes is not null)
        {
            foreach (string key in stored.Keys.Where(k => ignoredPrefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))).ToList())
            {
                stored.Remove(key);
            }
        }

        Dictionary<string, Tensor> target = module.state_dict();
        CheckMatches(module, weights, stored, target);

        using (no_grad())
        {
            foreach (string shard in weights.Shards)
            {
                Dictionary<string, Tensor> loaded = Read(shard);
                try
                {
                    foreach (var (key, t) in loaded)
                    {
                        if (target.TryGetValue(key, out var destination) && stored.ContainsKey(key))
                        {
                            destination.copy_(t);
                        }
                    }
                }
                finally
                {
                    foreach (var t in loaded.Values)
                    {
                        t.Dispose();
                    }
                }
            }
        }
    }

    /// <summary>The header entries of every file, keyed by tensor name; for shards, checked against the index's weight_map.</summary>
    private static Dictionary<string, StoredTensor> ReadHeaders(WeightFiles weights)
    {
        var stored = new Dictionary<string, StoredTensor>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (string shard in weights.Shards)
        {
            foreach (var (key, entry) in SafetensorsHeader.Read(shard))
            {
                if (weights.WeightMap is { } map && (!map.TryGetValue(key, out var listed) || listed != shard))
                {
                    problems.Add(listed is null
                        ? $"{shard}: holds '{key}', which the index does not list"
                        : $"{shard}: holds '{key}', which the index lists in {Path.GetFileName(listed)}");
                    continue;
                }

                stored[key] = entry;
            }
        }

        if (weights.WeightMap is { } weightMap)
        {
            var absent = weightMap.Where(kv => !stored.ContainsKey(kv.Key))
                .Select(kv => $"'{kv.Key}' is listed in {Path.GetFileName(kv.Value)}, which does not hold it")
                .Order(StringComparer.Ordinal).ToList();
            problems.AddRange(absent.Take(10));
            if (absent.Count > 10)
            {
                problems.Add($"... ({absent.Count} keys in all listed in shards that do not hold them)");
            }
        }

        if (problems.Count > 0)
        {
            throw new InvalidDataException($"{weights.Source}: the shard index does not match the shards: {string.Join("; ", problems)}");
        }

        return stored;
    }

    private static void CheckMatches(nn.Module module, WeightFiles weights, Dictionary<string, StoredTensor> stored, Dictionary<string, Tensor> target)
    {
        var missing = target.Keys.Where(k => !stored.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var unexpected = stored.Keys.Where(k => !target.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var problems = new List<string>();
        if (missing.Count > 0)
        {
            problems.Add($"missing keys: {Summarise(missing)}");
        }

        if (unexpected.Count > 0)
        {
            problems.Add($"unexpected keys: {Summarise(unexpected)}");
        }

        foreach (var (key, t) in target)
        {
            if (!stored.TryGetValue(key, out var src))
            {
                continue;
            }

            // With shards, the index is named up front; say which shard holds the offending tensor.
            string where = weights.IsSharded ? $" (in {Path.GetFileName(src.File)})" : string.Empty;
            if (!src.Shape.SequenceEqual(t.shape))
            {
                problems.Add($"wrong shape for '{key}'{where}: file has [{string.Join(", ", src.Shape)}], model expects [{string.Join(", ", t.shape)}]");
            }
            else if (src.DType != SafetensorsDType(t.dtype, src.File) && !(SafetensorsHeader.IsFloating(src.DType) && t.is_floating_point()))
            {
                problems.Add($"wrong dtype for '{key}'{where}: file has {src.DType}, model expects {t.dtype}");
            }
        }

        if (problems.Count > 0)
        {
            throw new InvalidDataException($"{weights.Source}: the weights do not match the model ({module.GetType().Name}): {string.Join("; ", problems)}");
        }
    }

    private static Dictionary<string, Tensor> Read(string path)
    {
        try
        {
            return Safetensors.LoadStateDict(path);
        }
        catch (Exception e) when (e is not InvalidDataException and not OutOfMemoryException)
        {
            throw new InvalidDataException($"{path}: not a readable safetensors file: {e.Message}", e);
        }
    }

    private static string Summarise(List<string> keys) =>
        keys.Count <= 10 ? string.Join(", ", keys) : string.Join(", ", keys.Take(10)) + $", ... ({keys.Count} in all)";

    /// <summary>
    /// Writes the module's state dict as a standard safetensors file (keys sorted, header padded to 8 bytes,
    /// metadata <c>{"format": "pt"}</c>, as the Python safetensors library writes it).
    /// </summary>
    public static void Save(nn.Module module, string path) => Write(module.state_dict(), path);

    /// <summary>Writes named tensors as a standard safetensors file (see <see cref="Save"/>); replaces the file atomically.</summary>
    public static void Write(IReadOnlyDictionary<string, Tensor> tensors, string path)
    {
        var state = tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        var header = new Dictionary<string, object>
        {
            ["__metadata__"] = new Dictionary<string, string> { ["format"] = "pt" },
        };
        long offset = 0;
        foreach (var (key, t) in state)
        {
            long length = t.NumberOfElements * t.ElementSize;
            header[key] = new Dictionary<string, object>
            {
                ["dtype"] = SafetensorsDType(t.dtype, path),
                ["shape"] = t.shape,
                ["data_offsets"] = new[] { offset, offset + length },
            };
            offset += length;
        }

        byte[] json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        int padded = (json.Length + 7) / 8 * 8;
        string tmp = path + ".tmp";
        using (var stream = File.Create(tmp))
        {
            stream.Write(BitConverter.GetBytes((ulong)padded));
            stream.Write(json);
            for (int i = json.Length; i < padded; i++)
            {
                stream.WriteByte((byte)' ');
            }

            foreach (var (_, t) in state)
            {
                using var cpu = t.detach().cpu().contiguous();
                stream.Write(cpu.bytes);
            }
        }

        File.Move(tmp, path, overwrite: true);
    }

    private static string SafetensorsDType(ScalarType dtype, string path) => dtype switch
    {
        ScalarType.Float64 => "F64",
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new NotSupportedException($"{path}: cannot write dtype {dtype} to safetensors"),
    };
}
