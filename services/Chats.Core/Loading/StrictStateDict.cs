using System.Text;
using System.Text.Json;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Chats.Core.Loading;

/// <summary>
/// Strict safetensors state-dict loading and saving for TorchSharp modules: every module key must be in the file
/// with the same shape and the file must have no other key; floating-point weights of another dtype (fp16, bf16) are
/// converted to the module's dtype. Every error names the file.
/// </summary>
internal static class StrictStateDict
{
    /// <summary>Copies the tensors of the safetensors file at <paramref name="path"/> into <paramref name="module"/>.</summary>
    /// <exception cref="InvalidDataException">The file is unreadable or its keys or shapes do not match.</exception>
    public static void Load(nn.Module module, string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: weights file not found", path);
        }

        Dictionary<string, Tensor> loaded = Read(path);
        try
        {
            Dictionary<string, Tensor> target = module.state_dict();
            var missing = target.Keys.Where(k => !loaded.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
            var unexpected = loaded.Keys.Where(k => !target.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
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
                if (loaded.TryGetValue(key, out var src))
                {
                    if (!src.shape.SequenceEqual(t.shape))
                    {
                        problems.Add($"wrong shape for '{key}': file has [{string.Join(", ", src.shape)}], model expects [{string.Join(", ", t.shape)}]");
                    }
                    else if (src.dtype != t.dtype && !(src.is_floating_point() && t.is_floating_point()))
                    {
                        problems.Add($"wrong dtype for '{key}': file has {src.dtype}, model expects {t.dtype}");
                    }
                }
            }

            if (problems.Count > 0)
            {
                throw new InvalidDataException($"{path}: the weights do not match the model ({module.GetType().Name}): {string.Join("; ", problems)}");
            }

            using (no_grad())
            {
                foreach (var (key, t) in target)
                {
                    t.copy_(loaded[key]);
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

    private static Dictionary<string, Tensor> Read(string path)
    {
        long fileLength = new FileInfo(path).Length;
        try
        {
            ValidateHeader(path, fileLength);
            return Safetensors.LoadStateDict(path);
        }
        catch (Exception e) when (e is not InvalidDataException and not OutOfMemoryException)
        {
            throw new InvalidDataException($"{path}: not a readable safetensors file: {e.Message}", e);
        }
    }

    /// <summary>Checks the header length, that the header is a JSON object, and that every tensor lies inside the file.</summary>
    private static void ValidateHeader(string path, long fileLength)
    {
        using var stream = File.OpenRead(path);
        Span<byte> lengthBytes = stackalloc byte[8];
        if (fileLength < 8 || stream.Read(lengthBytes) != 8)
        {
            throw new InvalidDataException($"{path}: not a safetensors file (shorter than its 8-byte header length)");
        }

        ulong headerLength = BitConverter.ToUInt64(lengthBytes);
        if (headerLength == 0 || headerLength > (ulong)(fileLength - 8) || headerLength > 100_000_000)
        {
            throw new InvalidDataException($"{path}: corrupt safetensors header (header length {headerLength}, file length {fileLength})");
        }

        byte[] header = new byte[headerLength];
        stream.ReadExactly(header);
        long dataLength = fileLength - 8 - (long)headerLength;
        try
        {
            using var doc = JsonDocument.Parse(header);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{path}: corrupt safetensors header (not a JSON object)");
            }

            foreach (var entry in doc.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__")
                {
                    continue;
                }

                var offsets = entry.Value.GetProperty("data_offsets");
                long begin = offsets[0].GetInt64(), end = offsets[1].GetInt64();
                if (begin < 0 || end < begin || end > dataLength)
                {
                    throw new InvalidDataException($"{path}: corrupt safetensors header (tensor '{entry.Name}' data [{begin}, {end}) outside the {dataLength}-byte data section)");
                }
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IndexOutOfRangeException)
        {
            throw new InvalidDataException($"{path}: corrupt safetensors header: {e.Message}", e);
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
