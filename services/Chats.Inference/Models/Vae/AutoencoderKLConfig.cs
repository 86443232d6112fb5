using Chats.Core.Loading;

namespace Chats.Inference.Models.Vae;

/// <summary>diffusers' <c>AutoencoderKL</c> config (<c>vae/config.json</c>) as used by SD 1.5, SDXL and SD3.</summary>
public sealed record AutoencoderKLConfig
{
    /// <summary>Image channels in.</summary>
    public int InChannels { get; init; } = 3;

    /// <summary>Image channels out.</summary>
    public int OutChannels { get; init; } = 3;

    /// <summary>Channels per encoder block (reversed in the decoder).</summary>
    public required IReadOnlyList<int> BlockOutChannels { get; init; }

    /// <summary>Only <c>DownEncoderBlock2D</c>.</summary>
    public required IReadOnlyList<string> DownBlockTypes { get; init; }

    /// <summary>Only <c>UpDecoderBlock2D</c>.</summary>
    public required IReadOnlyList<string> UpBlockTypes { get; init; }

    /// <summary>Resnets per encoder block (decoder blocks have one more).</summary>
    public int LayersPerBlock { get; init; } = 1;

    /// <summary>Latent channels.</summary>
    public int LatentChannels { get; init; } = 4;

    /// <summary>GroupNorm groups.</summary>
    public int NormNumGroups { get; init; } = 32;

    /// <summary>Latents are multiplied by this after encoding (divide before <see cref="AutoencoderKL.decode"/>).</summary>
    public double ScalingFactor { get; init; } = 0.18215;

    /// <summary>Latent shift (subtracted before scaling), null when the model has none.</summary>
    public double? ShiftFactor { get; init; }

    /// <summary>Whether a 1×1 <c>quant_conv</c> follows the encoder (<c>use_quant_conv</c>; SD3 has none).</summary>
    public bool UseQuantConv { get; init; } = true;

    /// <summary>Whether a 1×1 <c>post_quant_conv</c> precedes the decoder (<c>use_post_quant_conv</c>; SD3 has none).</summary>
    public bool UsePostQuantConv { get; init; } = true;

    /// <summary>Image size the model was trained at (informational).</summary>
    public int? SampleSize { get; init; }

    /// <summary>The JSON text this config was read from (written back unchanged by Save); null when built in code.</summary>
    public string? RawJson { get; init; }

    /// <summary>Reads <c>config.json</c>.</summary>
    /// <exception cref="NotSupportedException">A field has a value this implementation does not support.</exception>
    /// <exception cref="InvalidDataException">The file is not valid or a required field is missing.</exception>
    public static AutoencoderKLConfig Load(string path)
    {
        using var json = ConfigJson.Load(path);
        return FromJson(json);
    }

    /// <summary>Parses config JSON text; <paramref name="source"/> names it in errors.</summary>
    public static AutoencoderKLConfig Parse(string jsonText, string source = "vae/config.json")
    {
        using var json = ConfigJson.Parse(jsonText, source);
        return FromJson(json);
    }

    private static AutoencoderKLConfig FromJson(ConfigJson j)
    {
        j.RequireOneOf("_class_name", "\"AutoencoderKL\"");
        j.RequireOneOf("act_fn", "\"silu\"");
        j.RequireOneOf("mid_block_add_attention", "true");
        j.RequireOneOf("latents_mean", "null");
        j.RequireOneOf("latents_std", "null");
        var down = j.GetStringList("down_block_types");
        var up = j.GetStringList("up_block_types");
        if (down.FirstOrDefault(t => t != "DownEncoderBlock2D") is string badDown)
        {
            throw new NotSupportedException($"{j.Source}: down_block_types '{badDown}' is not supported");
        }

        if (up.FirstOrDefault(t => t != "UpDecoderBlock2D") is string badUp)
        {
            throw new NotSupportedException($"{j.Source}: up_block_types '{badUp}' is not supported");
        }

        var boc = j.GetIntList("block_out_channels");
        if (boc.Count != down.Count || boc.Count != up.Count || boc.Count == 0)
        {
            throw new InvalidDataException($"{j.Source}: block_out_channels, down_block_types and up_block_types must have the same, non-zero length");
        }

        return new AutoencoderKLConfig
        {
            InChannels = j.GetInt("in_channels", 3),
            OutChannels = j.GetInt("out_channels", 3),
            BlockOutChannels = boc,
            DownBlockTypes = down,
            UpBlockTypes = up,
            LayersPerBlock = j.GetInt("layers_per_block", 1),
            LatentChannels = j.GetInt("latent_channels", 4),
            NormNumGroups = j.GetInt("norm_num_groups", 32),
            ScalingFactor = j.GetDouble("scaling_factor", 0.18215),
            ShiftFactor = j.GetNullableDouble("shift_factor"),
            UseQuantConv = j.GetBool("use_quant_conv", true),
            UsePostQuantConv = j.GetBool("use_post_quant_conv", true),
            SampleSize = j.GetNullableInt("sample_size"),
            RawJson = j.RawText,
        };
    }
}
