using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.Clip;

/// <summary>
/// transformers' <c>CLIPAttention</c> (eager path): the query is scaled before the product, and the
/// causal mask is added to the scores, as in the reference.
/// </summary>
internal sealed class ClipAttention : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Linear q_proj;
    private readonly Linear k_proj;
    private readonly Linear v_proj;
    private readonly Linear out_proj;
    private readonly int _numHeads;
    private readonly int _headDim;
    private readonly double _scale;

    public ClipAttention(ClipTextConfig config)
        : base(nameof(ClipAttention))
    {
        _numHeads = config.NumAttentionHeads;
        _headDim = config.HeadDim;
        _scale = Math.Pow(_headDim, -0.5);
        k_proj = nn.Linear(config.HiddenSize, config.HiddenSize);
        v_proj = nn.Linear(config.HiddenSize, config.HiddenSize);
        q_proj = nn.Linear(config.HiddenSize, config.HiddenSize);
        out_proj = nn.Linear(config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    /// <param name="hiddenStates">[B, T, H].</param>
    /// <param name="causalMask">[1, 1, T, T] additive mask (0 or the dtype's minimum).</param>
    public override Tensor forward(Tensor hiddenStates, Tensor causalMask)
    {
        long batch = hiddenStates.shape[0];
        long length = hiddenStates.shape[1];
        long width = hiddenStates.shape[2];
        using var scope = NewDisposeScope();

        Tensor query = Heads(q_proj.forward(hiddenStates) * _scale, batch, length);
        Tensor key = Heads(k_proj.forward(hiddenStates), batch, length);
        Tensor value = Heads(v_proj.forward(hiddenStates), batch, length);

        Tensor scores = bmm(query, key.transpose(1, 2)).view(batch, _numHeads, length, length) + causalMask;
        Tensor weights = nn.functional.softmax(scores.view(batch * _numHeads, length, length), dim: -1);
        Tensor context = bmm(weights, value)
            .view(batch, _numHeads, length, _headDim)
            .transpose(1, 2)
            .reshape(batch, length, width);
        return out_proj.forward(context).MoveToOuterDisposeScope();
    }

    private Tensor Heads(Tensor projected, long batch, long length) =>
        projected.view(batch, length, _numHeads, _headDim).transpose(1, 2).contiguous()
            .view(batch * _numHeads, length, _headDim);
}
