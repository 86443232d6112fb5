using Chats.Inference.Models.Clip;
using Chats.Inference.Models.UNet2DCondition;
using Chats.Inference.Models.Vae;
using Chats.Core.Sampling;
using Chats.Core.Tokenization;
using TorchSharp;

namespace Chats.Tools;

/// <summary>
/// Writes a tiny CHATS pipeline with seeded random weights in the diffusers layout (SD1.5 architecture at
/// toy sizes): tokenizer, text_encoder, unet (standard, the CFG arm), unet_win (θ+), unet_lose (θ−), vae and
/// scheduler. It exercises every component end to end until trained models ship; its images are noise.
/// The same seed writes byte-identical weights. <see cref="TinyPipelinePreset.Sd15Shaped"/> gives the UNets SD 1.5's
/// block layout at a size that makes the denoiser, not the plumbing, the cost of a step.
/// </summary>
public static partial class TinyPipelineBuilder
{
    /// <summary>The tiny VAE's image side per latent side (three blocks: two downsamplings).</summary>
    public const int VaeSpatialFactor = 4;

    /// <summary>
    /// The SD1.5-shaped UNet's channels: SD 1.5's [320, 640, 1280, 1280] divided by five, kept multiples of 32 for
    /// norm_num_groups 32.
    /// </summary>
    public static readonly IReadOnlyList<int> Sd15ShapedBlockOutChannels = [64, 128, 256, 256];

    /// <summary>Text the tiny BPE vocabulary is learned from.</summary>
    private static readonly string[] s_corpus =
    [
        "a red circle", "a blue square", "a green triangle", "two yellow stars", "a photo of a cat",
        "a red square left of a blue circle", "three green circles", "a purple triangle above a yellow square",
        "an orange star", "a small white circle on a black background", "a large red triangle",
    ];

    /// <summary>Creates the tiny pipeline folder at <paramref name="directory"/> (replacing files there).</summary>
    public static void Create(string directory, long seed = TinyPipelineOptions.DefaultSeed) =>
        Create(directory, new TinyPipelineOptions { Seed = seed });

    /// <summary>Creates the pipeline folder <paramref name="options"/> describe at <paramref name="directory"/> (replacing files there).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The sample size override is not positive.</exception>
    public static void Create(string directory, TinyPipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        int sampleSize = options.SampleSize ?? DefaultSampleSize(options.Preset);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleSize, 1, nameof(options.SampleSize));
        long seed = options.Seed;
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "model_index.json"), """
            {
              "_class_name": "ChatsSD15Pipeline",
              "_diffusers_version": "0.25.0",
              "scheduler": ["diffusers", "DDIMScheduler"],
              "text_encoder": ["transformers", "CLIPTextModel"],
              "tokenizer": ["transformers", "CLIPTokenizer"],
              "unet": ["diffusers", "UNet2DConditionModel"],
              "unet_win": ["diffusers", "UNet2DConditionModel"],
              "unet_lose": ["diffusers", "UNet2DConditionModel"],
              "vae": ["diffusers", "AutoencoderKL"]
            }
            """);

        var merges = ClipVocabularyBuilder.Build(s_corpus, 120, Path.Combine(directory, "tokenizer"));
        int vocabSize = 512 + merges.Count + 2;

        Directory.CreateDirectory(Path.Combine(directory, "scheduler"));
        File.WriteAllText(Path.Combine(directory, "scheduler", "scheduler_config.json"), """
            {"_class_name": "DDIMScheduler", "_diffusers_version": "0.25.0", "beta_end": 0.012, "beta_schedule": "scaled_linear",
             "beta_start": 0.00085, "clip_sample": false, "num_train_timesteps": 1000, "prediction_type": "epsilon",
             "set_alpha_to_one": false, "steps_offset": 1, "timestep_spacing": "leading", "trained_betas": null}
            """);

        string textDir = Path.Combine(directory, "text_encoder");
        Directory.CreateDirectory(textDir);
        File.WriteAllText(Path.Combine(textDir, "config.json"), $$"""
            {"architectures": ["CLIPTextModel"], "hidden_act": "quick_gelu", "hidden_size": 32, "intermediate_size": 64,
             "layer_norm_eps": 1e-05, "max_position_embeddings": 77, "model_type": "clip_text_model", "num_attention_heads": 4,
             "num_hidden_layers": 2, "projection_dim": 32, "vocab_size": {{vocabSize}}, "bos_token_id": {{vocabSize - 2}},
             "eos_token_id": {{vocabSize - 1}}, "pad_token_id": {{vocabSize - 1}}}
            """);
        torch.manual_seed(seed);
        using (var text = new ClipTextModel(ClipTextConfig.Load(Path.Combine(textDir, "config.json"))))
        {
            text.Save(textDir);
        }

        string unetConfig = options.Preset == TinyPipelinePreset.Sd15Shaped ? Sd15ShapedUNetConfig(sampleSize) : $$"""
            {"_class_name": "UNet2DConditionModel", "_diffusers_version": "0.25.0", "act_fn": "silu", "attention_head_dim": 4,
             "block_out_channels": [32, 64], "center_input_sample": false, "cross_attention_dim": 32,
             "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"], "downsample_padding": 1, "flip_sin_to_cos": true,
             "freq_shift": 0, "in_channels": 4, "layers_per_block": 1, "mid_block_scale_factor": 1, "norm_eps": 1e-05,
             "norm_num_groups": 32, "out_channels": 4, "sample_size": {{sampleSize}}, "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"],
             "use_linear_projection": false}
            """;
        string[] unets = [DenoiserComponents.Standard, DenoiserComponents.Preferred, DenoiserComponents.Dispreferred];
        for (int i = 0; i < unets.Length; i++)
        {
            torch.manual_seed(seed + 1 + i);
            using var unet = new UNet2DConditionModel(UNet2DConditionConfig.Parse(unetConfig, $"{unets[i]}/config.json"));
            unet.Save(Path.Combine(directory, unets[i]));
        }

        torch.manual_seed(seed + 10);
        // Three blocks: the VAE's latent is a quarter of the image side, whatever the preset.
        string vaeConfig = $$"""
            {"_class_name": "AutoencoderKL", "_diffusers_version": "0.25.0", "act_fn": "silu", "block_out_channels": [16, 32, 32],
             "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"], "in_channels": 3,
             "latent_channels": 4, "layers_per_block": 1, "norm_num_groups": 8, "out_channels": 3, "sample_size": {{sampleSize * VaeSpatialFactor}},
             "scaling_factor": 0.18215, "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"]}
            """;
        using (var vae = new AutoencoderKL(AutoencoderKLConfig.Parse(vaeConfig, "vae/config.json")))
        {
            vae.Save(Path.Combine(directory, "vae"));
        }
    }

    /// <summary>The latent side a preset writes unless overridden.</summary>
    public static int DefaultSampleSize(TinyPipelinePreset preset) => preset switch
    {
        TinyPipelinePreset.Tiny => 16,
        // Measured on the 2-core dev machine, libtorch's 2 threads, one batch-1 fp32 forward: ~110 ms at 24 (16: ~60 ms,
        // 20: ~90 ms, whose odd lower levels also need explicit upsample sizes). Compute, not per-call overhead, then
        // dominates a step.
        TinyPipelinePreset.Sd15Shaped => 24,
        _ => throw new ArgumentOutOfRangeException(nameof(preset), preset, "unknown preset"),
    };

    // SD 1.5's unet/config.json except block_out_channels, cross_attention_dim (the tiny text encoder's width) and
    // sample_size; attention_head_dim is, as in diffusers, the number of heads.
    private static string Sd15ShapedUNetConfig(int sampleSize) => $$"""
        {"_class_name": "UNet2DConditionModel", "_diffusers_version": "0.25.0", "act_fn": "silu", "attention_head_dim": 8,
         "block_out_channels": [{{string.Join(", ", Sd15ShapedBlockOutChannels)}}], "center_input_sample": false, "cross_attention_dim": 32,
         "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"], "downsample_padding": 1,
         "flip_sin_to_cos": true, "freq_shift": 0, "in_channels": 4, "layers_per_block": 2, "mid_block_scale_factor": 1, "norm_eps": 1e-05,
         "norm_num_groups": 32, "out_channels": 4, "sample_size": {{sampleSize}},
         "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"], "use_linear_projection": false}
        """;
}
