using Chats.Inference.Models.UNet2DCondition;
using Chats.Training.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Training.Tests.Training;

/// <summary>A UNet of a few thousand parameters and a fixed preference batch for fast trainer tests.</summary>
internal static class TinyModels
{
    public const string UNetConfig = """
        {"_class_name": "UNet2DConditionModel", "_diffusers_version": "0.25.0", "act_fn": "silu", "attention_head_dim": 2,
         "block_out_channels": [8, 16], "center_input_sample": false, "cross_attention_dim": 8,
         "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"], "downsample_padding": 1, "flip_sin_to_cos": true,
         "freq_shift": 0, "in_channels": 4, "layers_per_block": 1, "mid_block_scale_factor": 1, "norm_eps": 1e-05,
         "norm_num_groups": 4, "out_channels": 4, "sample_size": 8, "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"],
         "use_linear_projection": false}
        """;

    public static UNet2DConditionModel UNet(long seed = 1)
    {
        // One libtorch thread: on the 2 shared cores two threads contend and steps slow down ~50x; it also fixes the
        // thread count that bit-identical resume relies on.
        set_num_threads(1);
        manual_seed(seed);
        return new UNet2DConditionModel(UNet2DConditionConfig.Parse(UNetConfig));
    }

    public static PreferenceBatch Batch(long seed = 2)
    {
        using var g = new Generator((ulong)seed);
        var xw = randn([2, 4, 8, 8], generator: g);
        var xl = randn([2, 4, 8, 8], generator: g) * 0.5f;
        var c = randn([2, 3, 8], generator: g);
        return new PreferenceBatch(xw, xl, c);
    }

    public static float[] Flat(nn.Module module) =>
        [.. module.parameters().SelectMany(p => p.detach().flatten().data<float>().ToArray())];
}
