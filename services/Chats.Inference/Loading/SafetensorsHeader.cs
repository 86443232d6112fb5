using System.Text.Json;

namespace Chats.Inference.Loading;

/// <summary>
/// Reads and checks the header of a safetensors file (u64 little-endian length, then a JSON object of
/// <c>{"dtype", "shape", "data_offsets"}</c> per tensor) without reading tensor data, so that a corrupt or mismatched
/// file fails with its name before anything large is allocated.
/// </summary>
internal static class SafetensorsHeader
{
    // The safetensors format caps the header at 100 MB; a larger length means the first 8 bytes are not a length.
    private const ulong MaxHeaderLength = 100_000_000;

    /// <summary>The tensors the header of <paramref name="path"/> describes, keyed by name.</summary>
    /// <exception cref="InvalidDataException">The header is corrupt: bad length, not a JSON object, an unknown dtype, a size that does not match the shape, or data outside the file.</exception>
    public static Dictionary<string, StoredTensor> Read(string path)
    {
        var (header, dataLength) = ReadHeaderBytes(path);
        try
        {
            using var doc = JsonDocument.Parse(header);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{path}: corrupt safetensors header (not a JSON object)");
            }

            var tensors = new Dictionary<string, StoredTensor>(StringComparer.Ordinal);
            foreach (var entry in doc.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__")
                {
                    continue;
                }

                string dtype = entry.Value.GetProperty("dtype").GetString() ?? string.Empty;
                long[] shape = [.. entry.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64())];
                var offsets = entry.Value.GetProperty("data_offsets");
                long begin = offsets[0].GetInt64(), end = offsets[1].GetInt64();
                if (begin < 0 || end < begin || end > dataLength)
                {
                    throw new InvalidDataException($"{path}: corrupt safetensors header (tensor '{entry.Name}' data [{begin}, {end}) outside the {dataLength}-byte data section)");
                }

                int elementSize = ElementSize(dtype)
                    ?? throw new InvalidDataException($"{path}: tensor '{entry.Name}' has dtype '{dtype}', which is not supported");
                if (shape.Any(d => d < 0) || shape.Aggregate(1L, (n, d) => n * d) * elementSize != end - begin)
                {
                    throw new InvalidDataException($"{path}: corrupt safetensors header (tensor '{entry.Name}' of {dtype} [{string.Join(", ", shape)}] has {end - begin} data bytes)");
                }

                if (!tensors.TryAdd(entry.Name, new StoredTensor(path, dtype, shape)))
                {
                    throw new InvalidDataException($"{path}: corrupt safetensors header (tensor '{entry.Name}' appears twice)");
                }
            }

            return tensors;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IndexOutOfRangeException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: corrupt safetensors header: {e.Message}", e);
        }
    }

    /// <summary>The header's <c>__metadata__</c> string map (empty when the file has none).</summary>
    /// <exception cref="InvalidDataException">The header is corrupt, or the metadata is not a map of strings.</exception>
    public static Dictionary<string, string> ReadMetadata(string path)
    {
        var (header, _) = ReadHeaderBytes(path);
        try
        {
            using var doc = JsonDocument.Parse(header);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("__metadata__", out var entries))
            {
                foreach (var entry in entries.EnumerateObject())
                {
                    metadata[entry.Name] = entry.Value.GetString() ?? string.Empty;
                }
            }

            return metadata;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: corrupt safetensors header metadata: {e.Message}", e);
        }
    }

    /// <summary>True for the floating-point dtypes that load into a float module (converted on copy).</summary>
    public static bool IsFloating(string dtype) => dtype is "F64" or "F32" or "F16" or "BF16";

    private static (byte[] Header, long DataLength) ReadHeaderBytes(string path)
    {
        long fileLength = new FileInfo(path).Length;
        using var stream = File.OpenRead(path);
        Span<byte> lengthBytes = stackalloc byte[8];
        if (fileLength < 8 || stream.Read(lengthBytes) != 8)
        {
            throw new InvalidDataException($"{path}: not a safetensors file (shorter than its 8-byte header length)");
        }

        ulong headerLength = BitConverter.ToUInt64(lengthBytes);
        if (headerLength == 0 || headerLength > (ulong)(fileLength - 8) || headerLength > MaxHeaderLength)
        {
            throw new InvalidDataException($"{path}: corrupt safetensors header (header length {headerLength}, file length {fileLength})");
        }

        byte[] header = new byte[headerLength];
        stream.ReadExactly(header);
        return (header, fileLength - 8 - (long)headerLength);
    }

    private static int? ElementSize(string dtype) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" => 1,
        _ => null,
    };
}
