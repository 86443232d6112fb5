using TorchSharp;
using TorchSharp.PyBridge;

namespace Chats.Core.Tests.Schedulers;

/// <summary>One diffusers-reference safetensors file of a scheduler folder, with every tensor as a flat float array.</summary>
internal sealed class SchedulerReference
{
    private readonly Dictionary<string, float[]> _tensors;

    private SchedulerReference(Dictionary<string, float[]> tensors) => _tensors = tensors;

    public static string Folder(string name) => FixturePaths.Combine("schedulers", name);

    /// <summary>Scheduler fixture folders, by name.</summary>
    public static IEnumerable<string> FolderNames() =>
        Directory.EnumerateDirectories(FixturePaths.Combine("schedulers"))
            .Select(Path.GetFileName)
            .OfType<string>()
            .Order(StringComparer.Ordinal);

    public static SchedulerReference Load(string folder, string file)
    {
        var tensors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        using var scope = torch.NewDisposeScope();
        foreach ((string name, torch.Tensor tensor) in Safetensors.LoadStateDict(Path.Combine(Folder(folder), file)))
        {
            using torch.Tensor asFloat = tensor.to_type(torch.ScalarType.Float32).contiguous();
            tensors[name] = asFloat.data<float>().ToArray();
        }

        return new SchedulerReference(tensors);
    }

    public bool Has(string name) => _tensors.ContainsKey(name);

    public float[] this[string name] => _tensors[name];

    /// <summary>Row <paramref name="index"/> of a stacked [N, ...] tensor.</summary>
    public float[] Row(string name, int index, int rowLength) =>
        _tensors[name].AsSpan(index * rowLength, rowLength).ToArray();
}
