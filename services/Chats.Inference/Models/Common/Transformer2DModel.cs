using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.Common;

/// <summary>
/// diffusers' <c>Transformer2DModel</c> for continuous inputs: GroupNorm (eps 1e-6), proj_in (1x1 conv or Linear per
/// use_linear_projection), transformer_blocks, proj_out, plus the input as residual.
/// </summary>
internal sealed class Transformer2DModel : nn.Module
{
    private readonly GroupNorm norm;
    private readonly nn.Module<Tensor, Tensor> proj_in;
    private readonly ModuleList<BasicTransformerBlock> transformer_blocks;
    private readonly nn.Module<Tensor, Tensor> proj_out;
    private readonly bool _useLinearProjection;

    public Transformer2DModel(int heads, int dimHead, int inChannels, int numLayers, int crossAttentionDim, int normNumGroups, bool useLinearProjection)
        : base(nameof(Transformer2DModel))
    {
        int inner = heads * dimHead;
        norm = nn.GroupNorm(normNumGroups, inChannels, 1e-6, affine: true);
        _useLinearProjection = useLinearProjection;
        proj_in = useLinearProjection ? nn.Linear(inChannels, inner) : nn.Conv2d(inChannels, inner, 1);
        transformer_blocks = nn.ModuleList([.. Enumerable.Range(0, numLayers).Select(_ => new BasicTransformerBlock(inner, heads, dimHead, crossAttentionDim))]);
        proj_out = useLinearProjection ? nn.Linear(inner, inChannels) : nn.Conv2d(inner, inChannels, 1);
        RegisterComponents();
    }

    public Tensor forward(Tensor hiddenStates, Tensor encoderHiddenStates)
    {
        using var scope = NewDisposeScope();
        long batch = hiddenStates.shape[0], height = hiddenStates.shape[2], width = hiddenStates.shape[3];
        var h = norm.forward(hiddenStates);
        if (!_useLinearProjection)
        {
            h = proj_in.forward(h);
        }

        long inner = h.shape[1];
        h = h.permute(0, 2, 3, 1).reshape(batch, height * width, inner);
        if (_useLinearProjection)
        {
            h = proj_in.forward(h);
        }

        foreach (var block in transformer_blocks)
        {
            h = block.forward(h, encoderHiddenStates);
        }

        if (_useLinearProjection)
        {
            h = proj_out.forward(h);
        }

        h = h.reshape(batch, height, width, -1).permute(0, 3, 1, 2).contiguous();
        if (!_useLinearProjection)
        {
            h = proj_out.forward(h);
        }

        return (h + hiddenStates).MoveToOuterDisposeScope();
    }
}
