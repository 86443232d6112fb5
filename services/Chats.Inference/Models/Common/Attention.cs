using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.Common;

/// <summary>
/// diffusers' <c>Attention</c> with the classic processor: to_q / to_k / to_v, to_out.0 (to_out.1 is dropout), an
/// optional group_norm over channels (VAE mid-block), residual connection and output rescale. 4-d inputs
/// (batch, channels, height, width) are flattened to tokens and restored.
/// </summary>
internal sealed class Attention : nn.Module
{
    private readonly GroupNorm? group_norm;
    private readonly Linear to_q;
    private readonly Linear to_k;
    private readonly Linear to_v;
    private readonly ModuleList<nn.Module<Tensor, Tensor>> to_out;
    private readonly int _heads;
    private readonly bool _residualConnection;
    private readonly double _rescaleOutputFactor;

    public Attention(
        int queryDim,
        int heads,
        int dimHead,
        int? crossAttentionDim = null,
        bool bias = false,
        int? normNumGroups = null,
        double eps = 1e-5,
        bool residualConnection = false,
        double rescaleOutputFactor = 1.0)
        : base(nameof(Attention))
    {
        int inner = heads * dimHead;
        if (normNumGroups is int groups)
        {
            group_norm = nn.GroupNorm(groups, queryDim, eps, affine: true);
        }

        to_q = nn.Linear(queryDim, inner, hasBias: bias);
        to_k = nn.Linear(crossAttentionDim ?? queryDim, inner, hasBias: bias);
        to_v = nn.Linear(crossAttentionDim ?? queryDim, inner, hasBias: bias);
        to_out = nn.ModuleList<nn.Module<Tensor, Tensor>>(nn.Linear(inner, queryDim, hasBias: true), nn.Dropout(0.0));
        _heads = heads;
        _residualConnection = residualConnection;
        _rescaleOutputFactor = rescaleOutputFactor;
        RegisterComponents();
    }

    /// <param name="hiddenStates">(batch, tokens, channels) or (batch, channels, height, width).</param>
    /// <param name="encoderHiddenStates">Keys and values for cross-attention; null for self-attention.</param>
    public Tensor forward(Tensor hiddenStates, Tensor? encoderHiddenStates = null)
    {
        using var scope = NewDisposeScope();
        var residual = hiddenStates;
        long[] shape4d = hiddenStates.shape;
        bool spatial = hiddenStates.dim() == 4;
        var h = spatial
            ? hiddenStates.view(shape4d[0], shape4d[1], shape4d[2] * shape4d[3]).transpose(1, 2)
            : hiddenStates;
        if (group_norm is not null)
        {
            h = group_norm.forward(h.transpose(1, 2)).transpose(1, 2);
        }

        var context = encoderHiddenStates ?? h;
        var q = SplitHeads(to_q.forward(h));
        var k = SplitHeads(to_k.forward(context));
        var v = SplitHeads(to_v.forward(context));
        var attn = nn.functional.scaled_dot_product_attention(q, k, v);
        long batch = attn.shape[0], tokens = attn.shape[2];
        var output = to_out[0].forward(attn.transpose(1, 2).reshape(batch, tokens, -1));
        if (spatial)
        {
            output = output.transpose(-1, -2).reshape(shape4d);
        }

        if (_residualConnection)
        {
            output = output + residual;
        }

        if (_rescaleOutputFactor != 1.0)
        {
            output = output / _rescaleOutputFactor;
        }

        return output.MoveToOuterDisposeScope();
    }

    private Tensor SplitHeads(Tensor x)
    {
        long batch = x.shape[0], tokens = x.shape[1];
        return x.view(batch, tokens, _heads, -1).transpose(1, 2);
    }
}
