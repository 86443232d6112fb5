using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Chats.Inference.Loading;

/// <summary>Reads and writes whole safetensors files of named tensors (reference cases, tool outputs).</summary>
public static class SafetensorsFile
{
    /// <summary>Every tensor of the file by name.</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: file not found", path);
        }

        try
        {
            return Safetensors.LoadStateDict(path);
        }
        catch (Exception e) when (e is not FileNotFoundException)
        {
            throw new InvalidDataException($"{path}: not a readable safetensors file: {e.Message}", e);
        }
    }

    /// <summary>The file's header metadata (<c>__metadata__</c>, a map of strings; empty when it has none).</summary>
    public static Dictionary<string, string> ReadMetadata(string path)
        => File.Exists(path) ? SafetensorsHeader.ReadMetadata(path) : throw new FileNotFoundException($"{path}: file not found", path);

    /// <summary>Writes <paramref name="tensors"/> as a standard safetensors file (sorted keys, 8-byte aligned header).</summary>
    public static void Write(IReadOnlyDictionary<string, Tensor> tensors, string path) => StrictStateDict.Write(tensors, path);
}
