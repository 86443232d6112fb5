using System.Text.Json;
using Chats.Core.Loading;

namespace Chats.Inference.Models.SD3Transformer;

/// <summary>
/// diffusers v0.29.2 <c>SD3Transformer2DModel</c> config (<c>transformer/config.json</c>). The widths that size the
/// network are required; the rest take diffusers' defaults when absent.
/// </summary>
public sealed record SD3Transformer2DConfig
{
    /// <summary>Latent width the model was trained at; sets the position embedding's base size (sample_size / patch_size).</summary>
    public int SampleSize { get; init; } = 128;

    /// <summary>Side of the square patches the latent is cut into.</summary>
    public int PatchSize { get; init; } = 2;

    /// <summary>Latent channels in.</summary>
    public int InChannels { get; init; } = 16;

    /// <summary>Latent channels out (diffusers: in_channels when null).</summary>
    public int OutChannels { get; init; } = 16;

    /// <summary>Number of joint transformer blocks (the last one does not update the text tokens).</summary>
    public required int NumLayers { get; init; }

    /// <summary>Width of each attention head.</summary>
    public required int AttentionHeadDim { get; init; }

    /// <summary>Attention heads per block.</summary>
    public required int NumAttentionHeads { get; init; }

    /// <summary>Width of the prompt token embeddings (CLIP-L ⊕ CLIP-G zero-padded, T5).</summary>
    public required int JointAttentionDim { get; init; }

    /// <summary>Width the prompt tokens are projected to; must equal the inner width (heads × head width).</summary>
    public required int CaptionProjectionDim { get; init; }

    /// <summary>Width of the pooled prompt embedding.</summary>
    public required int PooledProjectionDim { get; init; }

    /// <summary>
    /// Side, in patches, of the stored position-embedding grid that is cropped to each latent (SD3); null means no
    /// stored grid: the embedding is computed for each latent size, as diffusers does.
    /// </summary>
    public int? PosEmbedMaxSize { get; init; } = 96;

    /// <summary>The transformer width: heads × head width.</summary>
    public int InnerDim => NumAttentionHeads * AttentionHeadDim;

    /// <summary>The JSON text this config was read from (written back unchanged by Save); null when built in code.</summary>
    public string? RawJson { get; init; }

    /// <summary>Reads <c>config.json</c>.</summary>
    /// <exception cref="NotSupportedException">A field has a value this implementation does not support.</exception>
    /// <exception cref="InvalidDataException">The file is not valid, a required field is missing or the sizes do not fit together.</exception>
    public static SD3Transformer2DConfig Load(string path)
    {
        using var json = ConfigJson.Load(path);
        return FromJson(json);
    }

    /// <summary>Parses config JSON text; <paramref name="source"/> names it in errors.</summary>
    public static SD3Transformer2DConfig Parse(string jsonText, string source = "transformer/config.json")
    {
        using var json = ConfigJson.Parse(jsonText, source);
        return FromJson(json);
    }

    /// <summary>Fails with <see cref="InvalidDataException"/> naming <paramref name="source"/> when sizes are not positive or do not fit together.</summary>
    public void Validate(string source)
    {
        var sizes = new (string Name, int Value)[]
        {
            ("sample_size", SampleSize), ("patch_size", PatchSize), ("in_channels", InChannels), ("out_channels", OutChannels),
            ("num_layers", NumLayers), ("attention_head_dim", AttentionHeadDim), ("num_attention_heads", NumAttentionHeads),
            ("joint_attention_dim", JointAttentionDim), ("caption_projection_dim", CaptionProjectionDim),
            ("pooled_projection_dim", PooledProjectionDim),
        };
        foreach (var (name, value) in sizes)
        {
            if (value <= 0)
            {
                throw new InvalidDataException($"{source}: field '{name}' must be a positive integer, got {value}");
            }
        }

        if (PosEmbedMaxSize is <= 0)
        {
            throw new InvalidDataException($"{source}: field 'pos_embed_max_size' must be a positive integer or null, got {PosEmbedMaxSize}");
        }

        // The context embedder's output joins the image tokens in every block's attention, so the widths must agree.
        if (CaptionProjectionDim != InnerDim)
        {
            throw new InvalidDataException(
                $"{source}: caption_projection_dim {CaptionProjectionDim} must equal num_attention_heads × attention_head_dim ({NumAttentionHeads} × {AttentionHeadDim} = {InnerDim})");
        }

        // The sin-cos position embedding splits the width into four quarters (sin/cos of the row and of the column).
        if (InnerDim % 4 != 0)
        {
            throw new InvalidDataException($"{source}: the inner width {InnerDim} (num_attention_heads × attention_head_dim) must be a multiple of 4 for the 2-d sin-cos position embedding");
        }
    }

    private static SD3Transformer2DConfig FromJson(ConfigJson j)
    {
        j.RequireOneOf("_class_name", "\"SD3Transformer2DModel\"");
        // Later diffusers versions (SD3.5) add these; v0.29.2's architecture has neither.
        j.RequireOneOf("qk_norm", "null");
        j.RequireOneOf("dual_attention_layers", "[]", "null");

        int inChannels = j.GetInt("in_channels", 16);
        var config = new SD3Transformer2DConfig
        {
            SampleSize = j.GetInt("sample_size", 128),
            PatchSize = j.GetInt("patch_size", 2),
            InChannels = inChannels,
            OutChannels = IsPresent(j, "out_channels") ? j.GetInt("out_channels", inChannels) : 16,
            NumLayers = j.GetInt("num_layers"),
            AttentionHeadDim = j.GetInt("attention_head_dim"),
            NumAttentionHeads = j.GetInt("num_attention_heads"),
            JointAttentionDim = j.GetInt("joint_attention_dim"),
            CaptionProjectionDim = j.GetInt("caption_projection_dim"),
            PooledProjectionDim = j.GetInt("pooled_projection_dim"),
            // diffusers: absent takes the default 96, an explicit null turns the stored grid off.
            PosEmbedMaxSize = IsPresent(j, "pos_embed_max_size") ? j.GetNullableInt("pos_embed_max_size") : 96,
            RawJson = j.RawText,
        };
        config.Validate(j.Source);
        return config;
    }

    /// <summary>Whether the field is in the JSON at all (an explicit null counts), which ConfigJson does not tell apart from absent.</summary>
    private static bool IsPresent(ConfigJson j, string name)
    {
        using var document = JsonDocument.Parse(ConfigJson.QuoteNonFiniteLiterals(j.RawText), new JsonDocumentOptions
        {
            AllowTrailingCommas = true,
            CommentHandling = JsonCommentHandling.Skip,
        });
        return document.RootElement.TryGetProperty(name, out _);
    }
}
