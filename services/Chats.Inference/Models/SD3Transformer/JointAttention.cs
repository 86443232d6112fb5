using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.SD3Transformer;

/// <summary>
/// diffusers' <c>Attention</c> as <c>JointTransformerBlock</c> builds it, run by <c>JointAttnProcessor2_0</c>: the
/// image tokens (to_q / to_k / to_v) and the text tokens (add_q_proj / add_k_proj / add_v_proj) are projected
/// separately, attend jointly as one sequence (image first), and are split again; to_out.0 maps the image part and
/// to_add_out the text part, which the last block (context_pre_only) drops, so it has no to_add_out.
/// </summary>
internal sealed class JointAttention : nn.Module
{
    private readonly Linear to_q;
    private readonly Linear to_k;
    private readonly Linear to_v;
    private readonly Linear add_k_proj;
    private readonly Linear add_v_proj;
    private readonly Linear add_q_proj;
    private readonly ModuleList<nn.Module<Tensor, Tensor>> to_out;
    private readonly Linear? to_add_out;
    private readonly int _heads;

    public JointAttention(int dim, int heads, bool contextPreOnly)
        : base(nameof(JointAttention))
    {
        to_q = nn.Linear(dim, dim, hasBias: true);
        to_k = nn.Linear(dim, dim, hasBias: true);
        to_v = nn.Linear(dim, dim, hasBias: true);
        add_k_proj = nn.Linear(dim, dim, hasBias: true);
        add_v_proj = nn.Linear(dim, dim, hasBias: true);
        add_q_proj = nn.Linear(dim, dim, hasBias: true);
        to_out = nn.ModuleList<nn.Module<Tensor, Tensor>>(nn.Linear(dim, dim, hasBias: true), nn.Dropout(0.0));
        if (!contextPreOnly)
        {
            to_add_out = nn.Linear(dim, dim, hasBias: true);
        }

        _heads = heads;
        RegisterComponents();
    }

    /// <param name="hiddenStates">(batch, image tokens, dim).</param>
    /// <param name="encoderHiddenStates">(batch, text tokens, dim).</param>
    /// <returns>The image tokens' output and the text tokens' output (null for context_pre_only).</returns>
    public (Tensor Hidden, Tensor? Context) forward(Tensor hiddenStates, Tensor encoderHiddenStates)
    {
        using var scope = NewDisposeScope();
        long imageTokens = hiddenStates.shape[1];
        var query = SplitHeads(cat([to_q.forward(hiddenStates), add_q_proj.forward(encoderHiddenStates)], 1));
        var key = SplitHeads(cat([to_k.forward(hiddenStates), add_k_proj.forward(encoderHiddenStates)], 1));
        var value = SplitHeads(cat([to_v.forward(hiddenStates), add_v_proj.forward(encoderHiddenStates)], 1));
        var attended = nn.functional.scaled_dot_product_attention(query, key, value);
        long batch = attended.shape[0], tokens = attended.shape[2];
        var joined = attended.transpose(1, 2).reshape(batch, tokens, -1);

        var hidden = to_out[0].forward(joined[.., ..(int)imageTokens]);
        var context = to_add_out?.forward(joined[.., (int)imageTokens..]);
        return (hidden.MoveToOuterDisposeScope(), context?.MoveToOuterDisposeScope());
    }

    private Tensor SplitHeads(Tensor x)
    {
        long batch = x.shape[0], tokens = x.shape[1];
        return x.view(batch, tokens, _heads, -1).transpose(1, 2);
    }
}
