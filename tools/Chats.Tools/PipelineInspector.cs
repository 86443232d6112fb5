using System.Buffers.Binary;
using System.Text.Json;
using Chats.Core.Loading;

namespace Chats.Tools;

/// <summary>
/// Describes a pipeline folder without loading weights: components, their classes and configs, and parameter
/// counts and dtypes read from the safetensors headers alone.
/// </summary>
public static class PipelineInspector
{
    private static readonly string[] s_configFiles = ["config.json", "scheduler_config.json", "tokenizer_config.json"];

    /// <summary>Inspects the folder at <paramref name="modelDir"/>.</summary>
    public static PipelineDescription Inspect(string modelDir)
    {
        var folder = DiffusersPipelineFolder.Open(modelDir);
        var components = new List<ComponentDescription>();
        foreach (string name in folder.ComponentNames.Order(StringComparer.Ordinal))
        {
            string dir = Path.Combine(folder.Root, name);
            if (!Directory.Exists(dir))
            {
                components.Add(new ComponentDescription(name, folder.ComponentClass(name), null, 0, new Dictionary<string, long>(), 0, "folder missing"));
                continue;
            }

            string? config = s_configFiles
                .Select(f => Path.Combine(dir, f)).FirstOrDefault(File.Exists);
            var dtypes = new Dictionary<string, long>(StringComparer.Ordinal);
            long parameters = 0, bytes = 0;
            foreach (string file in Directory.GetFiles(dir, "*.safetensors").Order(StringComparer.Ordinal))
            {
                bytes += new FileInfo(file).Length;
                foreach (var (dtype, count) in HeaderCounts(file))
                {
                    dtypes[dtype] = dtypes.GetValueOrDefault(dtype) + count;
                    parameters += count;
                }
            }

            components.Add(new ComponentDescription(
                name, folder.ComponentClass(name), config is null ? null : File.ReadAllText(config), parameters, dtypes, bytes, null));
        }

        return new PipelineDescription(folder.Root, folder.ClassName, components);
    }

    private static List<(string DType, long Count)> HeaderCounts(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> prefix = stackalloc byte[8];
        if (stream.Read(prefix) != 8)
        {
            throw new InvalidDataException($"{path}: too short for a safetensors header");
        }

        long length = BinaryPrimitives.ReadInt64LittleEndian(prefix);
        if (length <= 0 || length > 100_000_000 || length > stream.Length - 8)
        {
            throw new InvalidDataException($"{path}: corrupt safetensors header length {length}");
        }

        var header = new byte[length];
        stream.ReadExactly(header);
        using var json = JsonDocument.Parse(header);
        var result = new List<(string, long)>();
        foreach (var entry in json.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__")
            {
                continue;
            }

            long count = entry.Value.GetProperty("shape").EnumerateArray().Aggregate(1L, (a, d) => a * d.GetInt64());
            result.Add((entry.Value.GetProperty("dtype").GetString() ?? "?", count));
        }

        return result;
    }
}
