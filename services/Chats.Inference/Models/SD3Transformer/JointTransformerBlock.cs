using static TorchSharp.torch;

namespace Chats.Inference.Models.SD3Transformer;

/// <summary>
/// diffusers' <c>JointTransformerBlock</c> (MMDiT): image and text tokens each get their own adaptive norms and
/// feed-forward, and share one joint attention. The last block of the model is context_pre_only: its text tokens
/// are only read (norm1_context is an AdaLayerNormContinuous, and there is no norm2_context / ff_context).
/// </summary>
internal sealed class JointTransformerBlock : nn.Module
{
    private readonly AdaLayerNormZero norm1;
    // AdaLayerNormZero, or AdaLayerNormContinuous when context_pre_only (one field: the key must be norm1_context).
    private readonly nn.Module norm1_context;
    private readonly JointAttention attn;
    private readonly nn.Module<Tensor, Tensor> norm2;
    private readonly GeluFeedForward ff;
    private readonly nn.Module<Tensor, Tensor>? norm2_context;
    private readonly GeluFeedForward? ff_context;

    public JointTransformerBlock(int dim, int numAttentionHeads, bool contextPreOnly)
        : base(nameof(JointTransformerBlock))
    {
        ContextPreOnly = contextPreOnly;
        norm1 = new AdaLayerNormZero(dim);
        norm1_context = contextPreOnly ? new AdaLayerNormContinuous(dim, dim) : new AdaLayerNormZero(dim);

        attn = new JointAttention(dim, numAttentionHeads, contextPreOnly);
        norm2 = nn.LayerNorm(dim, 1e-6, elementwise_affine: false);
        ff = new GeluFeedForward(dim);
        if (!contextPreOnly)
        {
            norm2_context = nn.LayerNorm(dim, 1e-6, elementwise_affine: false);
            ff_context = new GeluFeedForward(dim);
        }

        RegisterComponents();
    }

    /// <summary>True for the last block: it returns no text tokens.</summary>
    public bool ContextPreOnly { get; }

    /// <param name="hiddenStates">(batch, image tokens, dim).</param>
    /// <param name="encoderHiddenStates">(batch, text tokens, dim).</param>
    /// <param name="temb">(batch, dim) conditioning.</param>
    /// <returns>The updated image tokens and text tokens (null when <see cref="ContextPreOnly"/>).</returns>
    public (Tensor Hidden, Tensor? Context) forward(Tensor hiddenStates, Tensor encoderHiddenStates, Tensor temb)
    {
        using var scope = NewDisposeScope();
        var image = norm1.forward(hiddenStates, temb);
        AdaLayerNormZeroOutput? text = (norm1_context as AdaLayerNormZero)?.forward(encoderHiddenStates, temb);
        var normedContext = text?.Normed ?? ((AdaLayerNormContinuous)norm1_context).forward(encoderHiddenStates, temb);

        var (attnOutput, contextAttnOutput) = attn.forward(image.Normed, normedContext);
        var hidden = hiddenStates + image.GateMsa.unsqueeze(1) * attnOutput;
        var normed = norm2.forward(hidden) * (1 + image.ScaleMlp[.., TensorIndex.None]) + image.ShiftMlp[.., TensorIndex.None];
        hidden = hidden + image.GateMlp.unsqueeze(1) * ff.forward(normed);

        if (text is not { } t)
        {
            return (hidden.MoveToOuterDisposeScope(), null);
        }

        var context = encoderHiddenStates + t.GateMsa.unsqueeze(1) * contextAttnOutput!;
        var normedText = norm2_context!.forward(context) * (1 + t.ScaleMlp[.., TensorIndex.None]) + t.ShiftMlp[.., TensorIndex.None];
        context = context + t.GateMlp.unsqueeze(1) * ff_context!.forward(normedText);
        return (hidden.MoveToOuterDisposeScope(), context.MoveToOuterDisposeScope());
    }
}
