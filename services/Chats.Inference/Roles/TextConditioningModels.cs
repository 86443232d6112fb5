using Chats.Core.Loading;
using Chats.Inference.Tensors;

namespace Chats.Inference.Roles;

/// <summary>
/// Chooses a pipeline folder's prompt encoding from <c>model_index.json</c>'s class names: SD3's
/// (<see cref="Sd3TextConditioningModel"/>) for a StableDiffusion3Pipeline or a pipeline with an SD3Transformer2DModel,
/// otherwise the SD1.5 / SDXL CLIP one (<see cref="ClipTextConditioningModel"/>).
/// </summary>
public static class TextConditioningModels
{
    /// <summary>diffusers' SD3 pipeline class (<c>_class_name</c>).</summary>
    public const string Sd3PipelineClass = "StableDiffusion3Pipeline";

    /// <summary>diffusers' SD3 MMDiT class, as model_index.json names a transformer component.</summary>
    public const string Sd3TransformerClass = "SD3Transformer2DModel";

    /// <summary>
    /// True when <paramref name="folder"/> encodes prompts the SD3 way: its pipeline class is
    /// <see cref="Sd3PipelineClass"/>, or one of its components is an <see cref="Sd3TransformerClass"/> (a CHATS
    /// folder with <c>transformer_win</c> / <c>transformer_lose</c> under another pipeline class).
    /// </summary>
    public static bool UsesSd3Layout(DiffusersPipelineFolder folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        return folder.ClassName == Sd3PipelineClass
            || folder.ComponentNames.Any(c => folder.ComponentClass(c) == Sd3TransformerClass);
    }

    /// <summary>Loads the text-encoding model <paramref name="modelPath"/>'s class names call for (see <see cref="UsesSd3Layout"/>).</summary>
    /// <param name="modelPath">The pipeline folder.</param>
    /// <param name="modelId">Name reported in the description; the folder name when null.</param>
    /// <param name="placement">Device and dtype (default cpu, float32).</param>
    /// <param name="threads">libtorch threads of the encoding worker; 0 leaves the default.</param>
    public static ITextConditioningModel Load(string modelPath, string? modelId = null, TorchPlacement? placement = null, int threads = 0)
    {
        var folder = DiffusersPipelineFolder.Open(modelPath);
        return UsesSd3Layout(folder)
            ? Sd3TextConditioningModel.Load(folder.Root, modelId, placement, threads)
            : ClipTextConditioningModel.Load(folder.Root, modelId, placement, threads);
    }
}
