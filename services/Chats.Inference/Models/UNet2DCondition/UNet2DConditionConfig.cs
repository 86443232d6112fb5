using Chats.Core.Loading;

namespace Chats.Inference.Models.UNet2DCondition;

/// <summary>
/// The subset of diffusers' <c>UNet2DConditionModel</c> config (<c>unet/config.json</c>) used by SD 1.5 and SDXL.
/// Per-block fields given as a single integer in the JSON are expanded to one entry per down block.
/// </summary>
public sealed record UNet2DConditionConfig
{
    /// <summary>Latent channels in.</summary>
    public required int InChannels { get; init; }

    /// <summary>Latent channels out.</summary>
    public required int OutChannels { get; init; }

    /// <summary>Channels of each down block (reversed for the up blocks).</summary>
    public required IReadOnlyList<int> BlockOutChannels { get; init; }

    /// <summary><c>CrossAttnDownBlock2D</c> or <c>DownBlock2D</c> per block.</summary>
    public required IReadOnlyList<string> DownBlockTypes { get; init; }

    /// <summary><c>UpBlock2D</c> or <c>CrossAttnUpBlock2D</c> per block.</summary>
    public required IReadOnlyList<string> UpBlockTypes { get; init; }

    /// <summary>Only <c>UNetMidBlock2DCrossAttn</c>.</summary>
    public string MidBlockType { get; init; } = "UNetMidBlock2DCrossAttn";

    /// <summary>Resnets per down block (up blocks have one more).</summary>
    public required IReadOnlyList<int> LayersPerBlock { get; init; }

    /// <summary>
    /// Number of attention heads per down block: <c>num_attention_heads</c> when set, otherwise diffusers' (misnamed)
    /// <c>attention_head_dim</c>, which it uses as the number of heads.
    /// </summary>
    public required IReadOnlyList<int> NumAttentionHeads { get; init; }

    /// <summary>Width of the text-encoder hidden states, per down block.</summary>
    public required IReadOnlyList<int> CrossAttentionDim { get; init; }

    /// <summary>Transformer blocks per attention, per down block (the last entry also sizes the mid block).</summary>
    public required IReadOnlyList<int> TransformerLayersPerBlock { get; init; }

    /// <summary>Linear instead of 1x1-conv proj_in / proj_out in the transformers.</summary>
    public bool UseLinearProjection { get; init; }

    /// <summary>GroupNorm groups.</summary>
    public int NormNumGroups { get; init; } = 32;

    /// <summary>GroupNorm epsilon of the resnets and the output norm.</summary>
    public double NormEps { get; init; } = 1e-5;

    /// <summary>Sinusoidal embedding order (cos first when true).</summary>
    public bool FlipSinToCos { get; init; } = true;

    /// <summary>Downscale frequency shift of the sinusoidal embedding.</summary>
    public double FreqShift { get; init; }

    /// <summary>Padding of the downsampling convolutions.</summary>
    public int DownsamplePadding { get; init; } = 1;

    /// <summary>Output scale factor of the mid block's resnets.</summary>
    public double MidBlockScaleFactor { get; init; } = 1.0;

    /// <summary>Null, or <c>text_time</c> (SDXL: pooled text embeds plus time ids).</summary>
    public string? AdditionEmbedType { get; init; }

    /// <summary>Width of each time-id embedding (SDXL).</summary>
    public int? AdditionTimeEmbedDim { get; init; }

    /// <summary>Input width of add_embedding: text_embeds width + time ids * addition_time_embed_dim (SDXL).</summary>
    public int? ProjectionClassEmbeddingsInputDim { get; init; }

    /// <summary>Latent size the model was trained at (informational).</summary>
    public int? SampleSize { get; init; }

    /// <summary>The JSON text this config was read from (written back unchanged by Save); null when built in code.</summary>
    public string? RawJson { get; init; }

    /// <summary>Reads <c>config.json</c>.</summary>
    /// <exception cref="NotSupportedException">A field has a value this implementation does not support.</exception>
    /// <exception cref="InvalidDataException">The file is not valid or a required field is missing.</exception>
    public static UNet2DConditionConfig Load(string path)
    {
        using var json = ConfigJson.Load(path);
        return FromJson(json);
    }

    /// <summary>Parses config JSON text; <paramref name="source"/> names it in errors.</summary>
    public static UNet2DConditionConfig Parse(string jsonText, string source = "unet/config.json")
    {
        using var json = ConfigJson.Parse(jsonText, source);
        return FromJson(json);
    }

    private static UNet2DConditionConfig FromJson(ConfigJson j)
    {
        j.RequireOneOf("_class_name", "\"UNet2DConditionModel\"");
        j.RequireOneOf("act_fn", "\"silu\"");
        j.RequireOneOf("upcast_attention", "false");
        j.RequireOneOf("only_cross_attention", "false");
        j.RequireOneOf("resnet_time_scale_shift", "\"default\"");
        j.RequireOneOf("mid_block_type", "\"UNetMidBlock2DCrossAttn\"");
        j.RequireOneOf("addition_embed_type", "null", "\"text_time\"");
        j.RequireOneOf("class_embed_type", "null");
        j.RequireOneOf("num_class_embeds", "null");
        j.RequireOneOf("encoder_hid_dim", "null");
        j.RequireOneOf("encoder_hid_dim_type", "null");
        j.RequireOneOf("time_embedding_type", "\"positional\"");
        j.RequireOneOf("time_embedding_dim", "null");
        j.RequireOneOf("time_embedding_act_fn", "null");
        j.RequireOneOf("timestep_post_act", "null");
        j.RequireOneOf("time_cond_proj_dim", "null");
        j.RequireOneOf("center_input_sample", "false");
        j.RequireOneOf("dual_cross_attention", "false");
        j.RequireOneOf("attention_type", "\"default\"");
        j.RequireOneOf("resnet_skip_time_act", "false");
        j.RequireOneOf("cross_attention_norm", "null");
        j.RequireOneOf("class_embeddings_concat", "false");
        j.RequireOneOf("mid_block_only_cross_attention", "null", "false");
        j.RequireOneOf("reverse_transformer_layers_per_block", "null");
        j.RequireNumber("conv_in_kernel", 3);
        j.RequireNumber("conv_out_kernel", 3);
        j.RequireNumber("resnet_out_scale_factor", 1.0);

        var down = j.GetStringList("down_block_types");
        var up = j.GetStringList("up_block_types");
        foreach (string t in down)
        {
            if (t is not ("CrossAttnDownBlock2D" or "DownBlock2D"))
            {
                throw new NotSupportedException($"{j.Source}: down_block_types '{t}' is not supported");
            }
        }

        foreach (string t in up)
        {
            if (t is not ("CrossAttnUpBlock2D" or "UpBlock2D"))
            {
                throw new NotSupportedException($"{j.Source}: up_block_types '{t}' is not supported");
            }
        }

        var blockOut = j.GetIntList("block_out_channels");
        int n = down.Count;
        if (blockOut.Count != n || up.Count != n)
        {
            throw new InvalidDataException($"{j.Source}: block_out_channels, down_block_types and up_block_types must have the same length ({blockOut.Count}, {n}, {up.Count})");
        }

        var heads = j.HasValue("num_attention_heads") ? j.GetIntOrList("num_attention_heads", n) : j.GetIntOrList("attention_head_dim", n, 8);
        string? addition = j.GetNullableString("addition_embed_type");
        var config = new UNet2DConditionConfig
        {
            InChannels = j.GetInt("in_channels", 4),
            OutChannels = j.GetInt("out_channels", 4),
            BlockOutChannels = blockOut,
            DownBlockTypes = down,
            UpBlockTypes = up,
            MidBlockType = j.GetString("mid_block_type", "UNetMidBlock2DCrossAttn"),
            LayersPerBlock = j.GetIntOrList("layers_per_block", n, 2),
            NumAttentionHeads = heads,
            CrossAttentionDim = j.GetIntOrList("cross_attention_dim", n, 1280),
            TransformerLayersPerBlock = j.GetIntOrList("transformer_layers_per_block", n, 1),
            UseLinearProjection = j.GetBool("use_linear_projection", false),
            NormNumGroups = j.GetInt("norm_num_groups", 32),
            NormEps = j.GetDouble("norm_eps", 1e-5),
            FlipSinToCos = j.GetBool("flip_sin_to_cos", true),
            FreqShift = j.GetDouble("freq_shift", 0),
            DownsamplePadding = j.GetInt("downsample_padding", 1),
            MidBlockScaleFactor = j.GetDouble("mid_block_scale_factor", 1.0),
            AdditionEmbedType = addition,
            AdditionTimeEmbedDim = j.GetNullableInt("addition_time_embed_dim"),
            ProjectionClassEmbeddingsInputDim = j.GetNullableInt("projection_class_embeddings_input_dim"),
            SampleSize = j.GetNullableInt("sample_size"),
            RawJson = j.RawText,
        };
        if (addition == "text_time" && (config.AdditionTimeEmbedDim is null || config.ProjectionClassEmbeddingsInputDim is null))
        {
            throw new InvalidDataException($"{j.Source}: addition_embed_type 'text_time' needs addition_time_embed_dim and projection_class_embeddings_input_dim");
        }

        return config;
    }
}
