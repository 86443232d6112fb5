using Chats.Inference.Models.Common;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.UNet2DCondition;

/// <summary>diffusers' <c>CrossAttnUpBlock2D</c>: (resnet over hidden+skip, transformer) pairs, then an optional upsampler.</summary>
internal sealed class CrossAttnUpBlock2D : UNetUpBlock
{
    private readonly ModuleList<Transformer2DModel> attentions;
    private readonly ModuleList<ResnetBlock2D> resnets;
    private readonly ModuleList<Upsample2D>? upsamplers;

    public CrossAttnUpBlock2D(
        int inChannels, int prevOutputChannels, int outChannels, int tembChannels, int numLayers, int transformerLayers, int groups,
        double eps, int heads, int crossAttentionDim, bool useLinearProjection, bool addUpsample)
        : base(nameof(CrossAttnUpBlock2D))
    {
        resnets = nn.ModuleList([.. Enumerable.Range(0, numLayers).Select(i =>
        {
            int skipChannels = i == numLayers - 1 ? inChannels : outChannels;
            int resnetIn = i == 0 ? prevOutputChannels : outChannels;
            return new ResnetBlock2D(resnetIn + skipChannels, outChannels, tembChannels, groups, eps);
        })]);
        attentions = nn.ModuleList([.. Enumerable.Range(0, numLayers).Select(_ =>
            new Transformer2DModel(heads, outChannels / heads, outChannels, transformerLayers, crossAttentionDim, groups, useLinearProjection))]);
        if (addUpsample)
        {
            upsamplers = nn.ModuleList(new Upsample2D(outChannels, outChannels));
        }

        RegisterComponents();
    }

    public override int ResnetCount => resnets.Count;

    public override Tensor forward(Tensor hiddenStates, IReadOnlyList<Tensor> skips, Tensor temb, Tensor encoderHiddenStates, long[]? upsampleSize)
    {
        var h = hiddenStates;
        for (int i = 0; i < resnets.Count; i++)
        {
            h = resnets[i].forward(cat([h, skips[skips.Count - 1 - i]], 1), temb);
            h = attentions[i].forward(h, encoderHiddenStates);
        }

        return upsamplers is null ? h : upsamplers[0].forward(h, upsampleSize);
    }
}
