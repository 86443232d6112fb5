using System.Text.Json;
using Chats.Core.Sampling;

namespace Chats.Denoiser;

/// <summary>The largest latent a generation through the sampler can ask this denoiser for.</summary>
internal static class DenoiserLatentBounds
{
    // SD's VAE: what a pipeline without a readable vae/config.json is assumed to have.
    private const int DefaultSpatialFactor = 8;

    /// <summary>The sampler's largest image side over the spatial factor of the pipeline at <paramref name="modelPath"/>.</summary>
    public static int DefaultMaxSide(string modelPath) => new SamplingLimits().MaxSide / SpatialFactor(modelPath);

    // The denoiser loads only its UNet; the VAE's factor (2^(levels−1), as the decoder computes it) comes from its config.
    private static int SpatialFactor(string modelPath)
    {
        string config = Path.Combine(modelPath, "vae", "config.json");
        if (!File.Exists(config))
        {
            return DefaultSpatialFactor;
        }

        using var json = JsonDocument.Parse(File.ReadAllText(config));
        return json.RootElement.TryGetProperty("block_out_channels", out var levels) && levels.ValueKind == JsonValueKind.Array && levels.GetArrayLength() > 0
            ? 1 << (levels.GetArrayLength() - 1)
            : DefaultSpatialFactor;
    }
}
