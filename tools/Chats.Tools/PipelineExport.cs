using System.Text.Json.Nodes;
using static TorchSharp.torch;
using Chats.Core.Loading;
using Chats.Inference.Loading;

namespace Chats.Tools;

/// <summary>
/// Copies a pipeline folder for shipping: <c>model_index.json</c> and only the components it lists (training state,
/// optimiser files and stray folders stay behind), optionally with every floating-point safetensors tensor stored as
/// fp16. The loaders read fp16 files into fp32 models, so an fp16 copy runs the same code at half the size.
/// </summary>
public static class PipelineExport
{
    /// <summary>Writes the copy to <paramref name="destination"/> (created; files there are replaced); returns its size in bytes.</summary>
    /// <param name="source">Pipeline folder (diffusers layout).</param>
    /// <param name="destination">Target folder; must differ from the source.</param>
    /// <param name="half">Store F32 / F64 / BF16 tensors as F16.</param>
    /// <param name="components">Only these components (null: all that model_index.json lists); model_index.json is rewritten to match.</param>
    /// <param name="halfComponents">With <paramref name="half"/>, only these components are stored as fp16 (null: all).</param>
    public static long Export(
        string source, string destination, bool half, IReadOnlyCollection<string>? components = null, IReadOnlyCollection<string>? halfComponents = null)
    {
        var folder = DiffusersPipelineFolder.Open(source);
        string target = Path.GetFullPath(destination);
        if (string.Equals(target.TrimEnd(Path.DirectorySeparatorChar), folder.Root.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
        {
            throw new ArgumentException($"{target}: the destination must differ from the source", nameof(destination));
        }

        var kept = folder.ComponentNames.Where(c => components is null || components.Contains(c)).ToList();
        if (components?.FirstOrDefault(c => !folder.HasComponent(c)) is string missing)
        {
            throw new InvalidDataException($"{folder.Root}: has no component '{missing}'");
        }

        Directory.CreateDirectory(target);
        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(folder.Root, "model_index.json")))!.AsObject();
        foreach (string name in folder.ComponentNames.Except(kept))
        {
            index.Remove(name);
        }

        File.WriteAllText(Path.Combine(target, "model_index.json"), index.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
        foreach (string component in kept)
        {
            CopyComponent(folder.ComponentPath(component), Path.Combine(target, component), half && (halfComponents is null || halfComponents.Contains(component)));
        }

        return Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
    }

    private static void CopyComponent(string source, string target, bool half)
    {
        Directory.CreateDirectory(target);
        foreach (string file in Directory.GetFiles(source))
        {
            string to = Path.Combine(target, Path.GetFileName(file));
            if (half && file.EndsWith(".safetensors", StringComparison.Ordinal))
            {
                var tensors = SafetensorsFile.Read(file);
                try
                {
                    var converted = tensors.ToDictionary(
                        kv => kv.Key,
                        kv => kv.Value.is_floating_point() && kv.Value.dtype != ScalarType.Float16 ? kv.Value.to(ScalarType.Float16) : kv.Value);
                    SafetensorsFile.Write(converted, to);
                    foreach (var t in converted.Values.Where(t => !tensors.ContainsValue(t)))
                    {
                        t.Dispose();
                    }
                }
                finally
                {
                    foreach (var t in tensors.Values)
                    {
                        t.Dispose();
                    }
                }
            }
            else
            {
                File.Copy(file, to, overwrite: true);
            }
        }

        foreach (string dir in Directory.GetDirectories(source))
        {
            CopyComponent(dir, Path.Combine(target, Path.GetFileName(dir)), half);
        }
    }
}
