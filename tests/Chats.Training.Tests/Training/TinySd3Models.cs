using Chats.Core.Tests;
using Chats.Inference.Models.SD3Transformer;
using Chats.Training.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Training.Tests.Training;

/// <summary>
/// The tiny SD3 transformers of the diffusers-reference-sd3 fixtures and pre-encoded preference batches that fit them
/// (16 latent channels, joint_attention_dim 64, pooled_projection_dim 48): the fixture folders have no text encoders.
/// </summary>
internal static class TinySd3Models
{
    public const int LatentChannels = 16;
    public const int Tokens = 24;
    public const int JointAttentionDim = 64;
    public const int PooledProjectionDim = 48;

    public static string ChatsPipeline => FixturePaths.CombineSd3("tiny-chats-sd3");

    public static string Sd3Pipeline => FixturePaths.CombineSd3("tiny-sd3");

    /// <summary>θ_ref: tiny-chats-sd3's transformer_win, loaded strictly.</summary>
    public static SD3Transformer2DModel Reference()
    {
        set_num_threads(1); // see TinyModels
        return SD3Transformer2DModel.Load(Path.Combine(ChatsPipeline, "transformer_win"));
    }

    /// <summary>Two pairs of 8×8 latents with seeded random prompt and pooled embeddings.</summary>
    public static PreferenceBatch Batch(long seed = 2)
    {
        using var g = new Generator((ulong)seed);
        var xw = randn([2, LatentChannels, 8, 8], generator: g);
        var xl = randn([2, LatentChannels, 8, 8], generator: g) * 0.5f;
        var tokens = randn([2, Tokens, JointAttentionDim], generator: g);
        var pooled = randn([2, PooledProjectionDim], generator: g);
        return new PreferenceBatch(xw, xl, new ConditioningBatch(tokens, pooled));
    }

    /// <summary>The transformer's prediction for x_w at <paramref name="modelTimestep"/>, as floats.</summary>
    public static float[] Predict(nn.Module transformer, PreferenceBatch batch, Tensor modelTimestep)
    {
        using var o = ((SD3Transformer2DModel)transformer).forward(
            batch.LatentWin, modelTimestep, batch.Conditioning.PromptEmbeds, batch.Conditioning.PooledPromptEmbeds!);
        return o.data<float>().ToArray();
    }
}
