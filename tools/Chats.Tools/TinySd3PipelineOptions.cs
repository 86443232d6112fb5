namespace Chats.Tools;

/// <summary>
/// The text encoders <see cref="TinyPipelineBuilder.CreateSd3(string, string, TinySd3PipelineOptions)"/> adds to an SD3
/// fixture folder. The defaults fit the fixtures' transformer (joint_attention_dim 64, pooled_projection_dim 48):
/// CLIP-L 32 wide projecting to 16, CLIP-G 32 wide projecting to 32. Other widths are written as asked, unchecked,
/// so tests can build folders that pad (narrower encoders) or that the loader must refuse.
/// </summary>
public sealed record TinySd3PipelineOptions
{
    /// <summary>Weight seed; the same seed and options write byte-identical files.</summary>
    public long Seed { get; init; } = TinyPipelineOptions.DefaultSeed;

    /// <summary><c>hidden_size</c> of <c>text_encoder</c> (CLIP-L); a multiple of its 4 heads.</summary>
    public int ClipLHiddenSize { get; init; } = 32;

    /// <summary><c>projection_dim</c> of <c>text_encoder</c> (CLIP-L).</summary>
    public int ClipLProjectionDim { get; init; } = 16;

    /// <summary><c>hidden_size</c> of <c>text_encoder_2</c> (CLIP-G); a multiple of its 4 heads.</summary>
    public int ClipGHiddenSize { get; init; } = 32;

    /// <summary><c>projection_dim</c> of <c>text_encoder_2</c> (CLIP-G).</summary>
    public int ClipGProjectionDim { get; init; } = 32;
}
