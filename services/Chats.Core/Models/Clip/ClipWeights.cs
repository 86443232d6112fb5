using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Chats.Core.Models.Clip;

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

    /// <summary>
    /// Copies every tensor of <paramref name="weightsPath"/> into <paramref name="module"/>'s state
    /// dict, converting fp16/bf16 to the parameter's dtype.
    /// </summary>
    /// <exception cref="InvalidDataException">A key is missing, unexpected or of the wrong shape.</exception>
    public static void LoadStrict(nn.Module module, string weightsPath)
    {
        Dictionary<string, Tensor> stored = Safetensors.LoadStateDict(weightsPath);
        try
        {
            Dictionary<string, Tensor> expected = module.state_dict();
            string[] missing = [.. expected.Keys.Where(k => !stored.ContainsKey(k)).Order(StringComparer.Ordinal)];
            if (missing.Length > 0)
            {
                throw new InvalidDataException(
                    $"{weightsPath}: missing key(s) {string.Join(", ", missing)}.");
            }

            string[] unexpected = [.. stored.Keys
                .Where(k => !expected.ContainsKey(k) && k != LegacyPositionIdsKey)
                .Order(StringComparer.Ordinal)];
            if (unexpected.Length > 0)
            {
                throw new InvalidDataException(
                    $"{weightsPath}: unexpected key(s) {string.Join(", ", unexpected)}.");
            }

            foreach ((string key, Tensor target) in expected)
            {
                Tensor source = stored[key];
                if (!source.shape.SequenceEqual(target.shape))
                {
                    throw new InvalidDataException(
                        $"{weightsPath}: key {key} has shape [{string.Join(", ", source.shape)}], " +
                        $"the model expects [{string.Join(", ", target.shape)}].");
                }

                if (!source.is_floating_point())
                {
                    throw new InvalidDataException($"{weightsPath}: key {key} has non-floating dtype {source.dtype}.");
                }
            }

            using (no_grad())
            {
                foreach ((string key, Tensor target) in expected)
                {
                    target.copy_(stored[key]);
                }
            }
        }
        finally
        {
            foreach (Tensor tensor in stored.Values)
            {
                tensor.Dispose();
            }
        }
    }

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
