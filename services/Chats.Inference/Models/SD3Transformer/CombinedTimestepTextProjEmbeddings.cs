using Chats.Inference.Models.Common;
using static TorchSharp.torch;

namespace Chats.Inference.Models.SD3Transformer;

/// <summary>
/// diffusers' <c>CombinedTimestepTextProjEmbeddings</c>: the conditioning vector of every adaptive norm, the sum of the
/// timestep embedding (256-channel sinusoid, cos first, no frequency shift, then an MLP) and the pooled-prompt projection.
/// </summary>
internal sealed class CombinedTimestepTextProjEmbeddings : nn.Module<Tensor, Tensor, Tensor>
{
    private const int TimestepChannels = 256;

    private readonly Timesteps time_proj;
    private readonly TimestepEmbedding timestep_embedder;
    private readonly PixArtAlphaTextProjection text_embedder;

    public CombinedTimestepTextProjEmbeddings(int embeddingDim, int pooledProjectionDim)
        : base(nameof(CombinedTimestepTextProjEmbeddings))
    {
        time_proj = new Timesteps(TimestepChannels, flipSinToCos: true, downscaleFreqShift: 0);
        timestep_embedder = new TimestepEmbedding(TimestepChannels, embeddingDim);
        text_embedder = new PixArtAlphaTextProjection(pooledProjectionDim, embeddingDim);
        RegisterComponents();
    }

    /// <param name="timestep">(batch,) timesteps, fractional allowed.</param>
    /// <param name="pooledProjection">(batch, pooled_projection_dim).</param>
    /// <returns>(batch, embedding_dim).</returns>
    public override Tensor forward(Tensor timestep, Tensor pooledProjection)
    {
        using var scope = NewDisposeScope();
        var timestepEmbedding = timestep_embedder.forward(time_proj.forward(timestep).to(pooledProjection.dtype));
        var conditioning = timestepEmbedding + text_embedder.forward(pooledProjection);
        return conditioning.MoveToOuterDisposeScope();
    }
}
