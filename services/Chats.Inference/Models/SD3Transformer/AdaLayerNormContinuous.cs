using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.SD3Transformer;

/// <summary>
/// diffusers' <c>AdaLayerNormContinuous</c> with layer_norm, as SD3 uses it (no affine, eps 1e-6): SiLU then a linear
/// map of the conditioning to scale and shift, in that chunk order (scale first, unlike AdaLayerNormZero).
/// </summary>
internal sealed class AdaLayerNormContinuous : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Linear linear;
    private readonly LayerNorm norm;

    public AdaLayerNormContinuous(int embeddingDim, int conditioningEmbeddingDim, double eps = 1e-6)
        : base(nameof(AdaLayerNormContinuous))
    {
        linear = nn.Linear(conditioningEmbeddingDim, embeddingDim * 2, hasBias: true);
        norm = nn.LayerNorm(embeddingDim, eps, elementwise_affine: false);
        RegisterComponents();
    }

    /// <param name="x">(batch, tokens, dim).</param>
    /// <param name="conditioningEmbedding">(batch, conditioning dim).</param>
    public override Tensor forward(Tensor x, Tensor conditioningEmbedding)
    {
        using var scope = NewDisposeScope();
        var chunks = linear.forward(nn.functional.silu(conditioningEmbedding).to(x.dtype)).chunk(2, dim: 1);
        var (scale, shift) = (chunks[0], chunks[1]);
        var output = norm.forward(x) * (1 + scale)[.., TensorIndex.None, ..] + shift[.., TensorIndex.None, ..];
        return output.MoveToOuterDisposeScope();
    }
}
