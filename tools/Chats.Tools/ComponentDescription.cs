namespace Chats.Tools;

/// <summary>One component of a pipeline folder.</summary>
/// <param name="Name">Folder name (unet, unet_win, text_encoder, …).</param>
/// <param name="ClassName">Class named by model_index.json.</param>
/// <param name="ConfigJson">The component's config file text, if any.</param>
/// <param name="Parameters">Number of stored tensor elements across its safetensors files.</param>
/// <param name="ParametersByDType">The same, per stored dtype (F32, F16, BF16, …).</param>
/// <param name="WeightBytes">Bytes of its safetensors files on disk.</param>
/// <param name="Problem">Why it could not be inspected, or null.</param>
public sealed record ComponentDescription(
    string Name, string ClassName, string? ConfigJson, long Parameters, IReadOnlyDictionary<string, long> ParametersByDType, long WeightBytes, string? Problem);
