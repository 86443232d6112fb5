using Chats.Core.Tests;
using Chats.Inference.Models.UNet2DCondition;
using Chats.Training.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Training.Tests.Training;

/// <summary>
/// The tiny SDXL UNet of the diffusers-reference fixtures (<c>text_time</c>: cross_attention_dim 64, pooled width 32,
/// addition_time_embed_dim 8) and pre-encoded preference batches that fit it, with the time ids a 64-pixel training
/// run uses.
/// </summary>
internal static class TinySdxlModels
{
    public const int LatentChannels = 4;
    public const int Tokens = 6;
    public const int CrossAttentionDim = 64;
    public const int PooledDim = 32;
    public const int Resolution = 64;

    public static string SdxlPipeline => FixturePaths.Combine("tiny-sdxl");

    /// <summary>θ_ref: tiny-sdxl's unet, loaded strictly.</summary>
    public static UNet2DConditionModel Reference()
    {
        set_num_threads(1); // see TinyModels
        return UNet2DConditionModel.Load(Path.Combine(SdxlPipeline, "unet"));
    }

    /// <summary>The time ids of a training pair at <paramref name="side"/> pixels: (side, side, 0, 0, side, side) per row.</summary>
    public static Tensor TimeIds(long batch, float side = Resolution) =>
        tensor(new[] { side, side, 0f, 0f, side, side }).unsqueeze(0).repeat(batch, 1);

    /// <summary>Two pairs of 8×8 latents with seeded random prompt and pooled embeddings and 64-pixel time ids.</summary>
    public static PreferenceBatch Batch(long seed = 2)
    {
        using var g = new Generator((ulong)seed);
        var xw = randn([2, LatentChannels, 8, 8], generator: g);
        var xl = randn([2, LatentChannels, 8, 8], generator: g) * 0.5f;
        var tokens = randn([2, Tokens, CrossAttentionDim], generator: g);
        var pooled = randn([2, PooledDim], generator: g);
        return new PreferenceBatch(xw, xl, Conditioning(tokens, pooled, TimeIds(2)));
    }

    /// <summary>A conditioning of the three tensors an SDXL UNet takes.</summary>
    public static ConditioningBatch Conditioning(Tensor tokens, Tensor pooled, Tensor timeIds) => new(
        new Dictionary<string, Tensor>
        {
            [ConditioningBatch.PromptEmbedsName] = tokens,
            [ConditioningBatch.PooledPromptEmbedsName] = pooled,
            [ConditioningBatch.TimeIdsName] = timeIds,
        });
}
