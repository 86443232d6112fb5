using TorchSharp.PyBridge;
using static TorchSharp.torch;
using Chats.Inference.Loading;

namespace Chats.Inference.Models.Clip;

/// <summary>Strict safetensors loading and saving for the CLIP text models.</summary>
internal static class ClipWeights
{
    public const string ConfigFileName = "config.json";
    public const string WeightsFileName = "model.safetensors";

    /// <summary>
    /// transformers up to 4.30 saved this non-persistent buffer; released SD 1.x checkpoints still
    /// carry it, and transformers ignores it on load.
    /// </summary>
    private const string LegacyPositionIdsKey = "text_model.embeddings.position_ids";

    private static readonly HashSet<string> s_ignoredKeys = [LegacyPositionIdsKey];

    /// <summary>
    /// Copies the weights of <paramref name="componentDir"/> (<c>model.safetensors</c>, its shards or its fp16 / bf16
    /// variant, see <see cref="WeightFiles"/>) into <paramref name="module"/>'s state dict through the one strict
    /// loader, converting fp16/bf16 to the parameter's dtype.
    /// </summary>
    /// <exception cref="InvalidDataException">A key is missing, unexpected or of the wrong shape; the file is named.</exception>
    public static void LoadStrict(nn.Module module, string componentDir) =>
        StrictStateDict.Load(module, WeightFiles.Resolve(componentDir, WeightFiles.TransformersBaseName), s_ignoredKeys);

    public static void Save(nn.Module module, ClipTextConfig config, string componentDir)
    {
        Directory.CreateDirectory(componentDir);
        config.Save(Path.Combine(componentDir, ConfigFileName));
        Dictionary<string, Tensor> state = module.state_dict();
        Dictionary<string, Tensor> contiguous = state.ToDictionary(kv => kv.Key, kv => kv.Value.detach().contiguous());
        try
        {
            Safetensors.SaveStateDict(Path.Combine(componentDir, WeightsFileName), contiguous);
        }
        finally
        {
            foreach (Tensor tensor in contiguous.Values)
            {
                tensor.Dispose();
            }
        }
    }
}
