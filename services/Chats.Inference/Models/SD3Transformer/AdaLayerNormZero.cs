using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.SD3Transformer;

/// <summary>
/// diffusers' <c>AdaLayerNormZero</c> (no class embedding): SiLU then a linear map of the conditioning to six
/// modulations, in diffusers' chunk order shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp; the input
/// is layer-normed without affine (eps 1e-6) and modulated by the first two.
/// </summary>
internal sealed class AdaLayerNormZero : nn.Module
{
    private readonly Linear linear;
    private readonly LayerNorm norm;

    public AdaLayerNormZero(int embeddingDim)
        : base(nameof(AdaLayerNormZero))
    {
        linear = nn.Linear(embeddingDim, 6 * embeddingDim, hasBias: true);
        norm = nn.LayerNorm(embeddingDim, 1e-6, elementwise_affine: false);
        RegisterComponents();
    }

    /// <param name="x">(batch, tokens, dim).</param>
    /// <param name="emb">(batch, dim) conditioning.</param>
    public AdaLayerNormZeroOutput forward(Tensor x, Tensor emb)
    {
        using var scope = NewDisposeScope();
        var chunks = linear.forward(nn.functional.silu(emb)).chunk(6, dim: 1);
        var (shiftMsa, scaleMsa) = (chunks[0], chunks[1]);
        var normed = norm.forward(x) * (1 + scaleMsa[.., TensorIndex.None]) + shiftMsa[.., TensorIndex.None];
        return new AdaLayerNormZeroOutput(
            normed.MoveToOuterDisposeScope(),
            chunks[2].MoveToOuterDisposeScope(),
            chunks[3].MoveToOuterDisposeScope(),
            chunks[4].MoveToOuterDisposeScope(),
            chunks[5].MoveToOuterDisposeScope());
    }
}
