using System.Globalization;
using Chats.Core.Tokenization;
using Chats.Training.Runs;

namespace Chats.Training.Shapes;

/// <summary>
/// The architecture of the ShapesEval lab's pipeline: SD1.5's components (CLIP text model, UNet2DConditionModel,
/// AutoencoderKL, DDIM or flow-match Euler) at sizes a 2-core CPU trains in an hour and that ship in a few MB per
/// pipeline (64x64 images, 16x16x4 latents). Written as the diffusers config files so the folders load anywhere.
/// </summary>
public static class ShapesPipelineConfig
{
    /// <summary>Text encoder input length: the longest prompt of the grammar is 7 words, plus start and end tokens.</summary>
    public const int MaxTokens = 12;

    /// <summary>The UNet's <c>config.json</c>.</summary>
    public const string UNet = """
        {"_class_name": "UNet2DConditionModel", "_diffusers_version": "0.25.0", "act_fn": "silu", "attention_head_dim": 4,
         "block_out_channels": [32, 64], "center_input_sample": false, "cross_attention_dim": 64,
         "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D"], "downsample_padding": 1, "flip_sin_to_cos": true,
         "freq_shift": 0, "in_channels": 4, "layers_per_block": 2, "mid_block_scale_factor": 1, "norm_eps": 1e-05,
         "norm_num_groups": 8, "out_channels": 4, "sample_size": 16, "up_block_types": ["CrossAttnUpBlock2D", "UpBlock2D"],
         "use_linear_projection": false}
        """;

    /// <summary>
    /// The UNet's <c>config.json</c> for <paramref name="size"/>: exactly <see cref="UNet"/> for the default size (so the
    /// default run writes the same files as before), otherwise the same architecture with the given channels and layers.
    /// </summary>
    public static string UNetConfig(ShapesUNetSize size)
    {
        ArgumentNullException.ThrowIfNull(size);
        size.Validate();
        if (size.IsDefault)
        {
            return UNet;
        }

        int blocks = size.BlockOutChannels.Count;
        string Types(string first, string rest, bool reversed)
        {
            var types = Enumerable.Range(0, blocks).Select(i => i == 0 ? first : rest).ToList();
            if (reversed)
            {
                types.Reverse();
            }

            return string.Join(", ", types.Select(t => $"\"{t}\""));
        }

        string channels = string.Join(", ", size.BlockOutChannels.Select(c => c.ToString(CultureInfo.InvariantCulture)));
        return string.Create(CultureInfo.InvariantCulture, $$"""
            {"_class_name": "UNet2DConditionModel", "_diffusers_version": "0.25.0", "act_fn": "silu", "attention_head_dim": 4,
             "block_out_channels": [{{channels}}], "center_input_sample": false, "cross_attention_dim": 64,
             "down_block_types": [{{Types("DownBlock2D", "CrossAttnDownBlock2D", false)}}], "downsample_padding": 1, "flip_sin_to_cos": true,
             "freq_shift": 0, "in_channels": 4, "layers_per_block": {{size.LayersPerBlock}}, "mid_block_scale_factor": 1, "norm_eps": 1e-05,
             "norm_num_groups": {{ShapesUNetSize.NormGroups}}, "out_channels": 4, "sample_size": 16, "up_block_types": [{{Types("UpBlock2D", "CrossAttnUpBlock2D", true)}}],
             "use_linear_projection": false}
            """);
    }

    /// <summary>The DDIM scheduler config (SD1.5's scaled-linear ε-prediction schedule).</summary>
    public const string DiffusionScheduler = """
        {"_class_name": "DDIMScheduler", "_diffusers_version": "0.25.0", "beta_end": 0.012, "beta_schedule": "scaled_linear",
         "beta_start": 0.00085, "clip_sample": false, "num_train_timesteps": 1000, "prediction_type": "epsilon",
         "set_alpha_to_one": false, "steps_offset": 1, "timestep_spacing": "leading", "trained_betas": null}
        """;

    /// <summary>The flow-matching scheduler config (rectified flow, v = ε − x).</summary>
    public const string FlowScheduler = """
        {"_class_name": "FlowMatchEulerDiscreteScheduler", "_diffusers_version": "0.30.0", "num_train_timesteps": 1000, "shift": 1.0}
        """;

    /// <summary>The VAE's <c>config.json</c> with <paramref name="scalingFactor"/>.</summary>
    public static string Vae(double scalingFactor) => string.Create(CultureInfo.InvariantCulture, $$"""
        {"_class_name": "AutoencoderKL", "_diffusers_version": "0.25.0", "act_fn": "silu", "block_out_channels": [16, 32, 64],
         "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"], "in_channels": 3,
         "latent_channels": 4, "layers_per_block": 1, "norm_num_groups": 8, "out_channels": 3, "sample_size": 64,
         "scaling_factor": {{scalingFactor:R}}, "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"]}
        """);

    /// <summary>The text encoder's <c>config.json</c> for a vocabulary of <paramref name="vocabSize"/> tokens (the last two are start and end).</summary>
    public static string TextEncoder(int vocabSize) => string.Create(CultureInfo.InvariantCulture, $$"""
        {"architectures": ["CLIPTextModel"], "hidden_act": "quick_gelu", "hidden_size": 64, "intermediate_size": 256,
         "layer_norm_eps": 1e-05, "max_position_embeddings": {{MaxTokens}}, "model_type": "clip_text_model", "num_attention_heads": 4,
         "num_hidden_layers": 3, "projection_dim": 64, "vocab_size": {{vocabSize}}, "bos_token_id": {{vocabSize - 2}},
         "eos_token_id": {{vocabSize - 1}}, "pad_token_id": {{vocabSize - 1}}}
        """);

    /// <summary><c>model_index.json</c> of a pipeline with the given UNet components.</summary>
    public static string ModelIndex(bool flow, params string[] unets)
    {
        ArgumentNullException.ThrowIfNull(unets);
        string scheduler = flow ? "FlowMatchEulerDiscreteScheduler" : "DDIMScheduler";
        string unetLines = string.Concat(unets.Select(u => $"  \"{u}\": [\"diffusers\", \"UNet2DConditionModel\"],\n"));
        return "{\n  \"_class_name\": \"StableDiffusionPipeline\",\n  \"_diffusers_version\": \"0.25.0\",\n"
            + $"  \"scheduler\": [\"diffusers\", \"{scheduler}\"],\n"
            + "  \"text_encoder\": [\"transformers\", \"CLIPTextModel\"],\n  \"tokenizer\": [\"transformers\", \"CLIPTokenizer\"],\n"
            + unetLines
            + "  \"vae\": [\"diffusers\", \"AutoencoderKL\"]\n}\n";
    }

    /// <summary>
    /// Writes the CLIP tokenizer files (byte-level BPE) learned from every prompt of the grammar, so each grammar word
    /// is one token; returns the vocabulary size.
    /// </summary>
    public static int WriteTokenizer(string tokenizerDir)
    {
        var corpus = ShapesVocabulary.Categories.SelectMany(ShapesPromptGenerator.All).Select(p => p.ToText()).ToList();
        var merges = ClipVocabularyBuilder.Build(corpus, mergeCount: 400, tokenizerDir, modelMaxLength: MaxTokens);
        return 512 + merges.Count + 2;
    }
}
