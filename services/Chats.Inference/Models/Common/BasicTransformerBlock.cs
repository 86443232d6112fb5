using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.Common;

/// <summary>
/// diffusers' <c>BasicTransformerBlock</c> (layer_norm, GEGLU feed-forward): self-attention, cross-attention and
/// feed-forward, each pre-normed and residual.
/// </summary>
internal sealed class BasicTransformerBlock : nn.Module
{
    private readonly LayerNorm norm1;
    private readonly Attention attn1;
    private readonly LayerNorm norm2;
    private readonly Attention attn2;
    private readonly LayerNorm norm3;
    private readonly FeedForward ff;

    public BasicTransformerBlock(int dim, int heads, int dimHead, int crossAttentionDim)
        : base(nameof(BasicTransformerBlock))
    {
        norm1 = nn.LayerNorm(dim, 1e-5, elementwise_affine: true);
        attn1 = new Attention(dim, heads, dimHead);
        norm2 = nn.LayerNorm(dim, 1e-5, elementwise_affine: true);
        attn2 = new Attention(dim, heads, dimHead, crossAttentionDim);
        norm3 = nn.LayerNorm(dim, 1e-5, elementwise_affine: true);
        ff = new FeedForward(dim);
        RegisterComponents();
    }

    public Tensor forward(Tensor hiddenStates, Tensor encoderHiddenStates)
    {
        using var scope = NewDisposeScope();
        var h = attn1.forward(norm1.forward(hiddenStates)) + hiddenStates;
        h = attn2.forward(norm2.forward(h), encoderHiddenStates) + h;
        h = ff.forward(norm3.forward(h)) + h;
        return h.MoveToOuterDisposeScope();
    }
}
