using Chats.Inference.Models.Common;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.UNet2DCondition;

/// <summary>diffusers' <c>CrossAttnDownBlock2D</c>: (resnet, transformer) pairs, then an optional downsampler.</summary>
internal sealed class CrossAttnDownBlock2D : UNetDownBlock
{
    private readonly ModuleList<Transformer2DModel> attentions;
    private readonly ModuleList<ResnetBlock2D> resnets;
    private readonly ModuleList<Downsample2D>? downsamplers;

    public CrossAttnDownBlock2D(
        int inChannels, int outChannels, int tembChannels, int numLayers, int transformerLayers, int groups, double eps,
        int heads, int crossAttentionDim, bool useLinearProjection, bool addDownsample, int downsamplePadding)
        : base(nameof(CrossAttnDownBlock2D))
    {
        resnets = nn.ModuleList([.. Enumerable.Range(0, numLayers).Select(i => new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, tembChannels, groups, eps))]);
        attentions = nn.ModuleList([.. Enumerable.Range(0, numLayers).Select(_ =>
            new Transformer2DModel(heads, outChannels / heads, outChannels, transformerLayers, crossAttentionDim, groups, useLinearProjection))]);
        if (addDownsample)
        {
            downsamplers = nn.ModuleList(new Downsample2D(outChannels, outChannels, downsamplePadding));
        }

        RegisterComponents();
    }

    public override (Tensor Hidden, IReadOnlyList<Tensor> Skips) forward(Tensor hiddenStates, Tensor temb, Tensor encoderHiddenStates)
    {
        var skips = new List<Tensor>();
        var h = hiddenStates;
        for (int i = 0; i < resnets.Count; i++)
        {
            h = resnets[i].forward(h, temb);
            h = attentions[i].forward(h, encoderHiddenStates);
            skips.Add(h);
        }

        if (downsamplers is not null)
        {
            h = downsamplers[0].forward(h);
            skips.Add(h);
        }

        return (h, skips);
    }
}
