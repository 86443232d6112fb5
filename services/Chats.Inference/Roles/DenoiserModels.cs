using Chats.Core.Loading;
using Chats.Inference.Tensors;

namespace Chats.Inference.Roles;

/// <summary>
/// The plug-in point for model families: which <see cref="IDenoiserModel"/> serves a component, chosen from the class
/// model_index.json gives it. A new family is one entry here and one IDenoiserModel; the engine, the services and the
/// wire protocol stay as they are.
/// </summary>
public static class DenoiserModels
{
    private static readonly Dictionary<string, Func<string, string, string?, TorchPlacement?, IDenoiserModel>> s_families = new(StringComparer.Ordinal)
    {
        [UNetDenoiserModel.ModelClass] = (path, component, id, placement) => UNetDenoiserModel.Load(path, component, id, placement),
        [SD3TransformerDenoiserModel.ModelClass] = (path, component, id, placement) => SD3TransformerDenoiserModel.Load(path, component, id, placement),
    };

    /// <summary>The network classes a denoiser can serve.</summary>
    public static IReadOnlyCollection<string> ModelClasses => s_families.Keys;

    /// <summary>
    /// Loads <paramref name="component"/> of the pipeline at <paramref name="modelPath"/> with the family its class names;
    /// fails at start-up naming model_index.json when the component is absent or its class is not served.
    /// </summary>
    public static IDenoiserModel Load(string modelPath, string component, string? modelId = null, TorchPlacement? placement = null)
    {
        var folder = DiffusersPipelineFolder.Open(modelPath);
        folder.ComponentPath(component);
        string modelClass = folder.ComponentClass(component);
        if (!s_families.TryGetValue(modelClass, out var load))
        {
            throw new InvalidDataException(
                $"{Path.Combine(folder.Root, "model_index.json")}: component '{component}' is a '{modelClass}'; a denoiser serves {string.Join(", ", ModelClasses)}");
        }

        return load(folder.Root, component, modelId, placement);
    }
}
