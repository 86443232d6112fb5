using Chats.Inference.Models.Common;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.UNet2DCondition;

/// <summary>diffusers' <c>UNetMidBlock2DCrossAttn</c> (one layer): resnet, transformer, resnet.</summary>
internal sealed class UNetMidBlock2DCrossAttn : nn.Module
{
    private readonly ModuleList<Transformer2DModel> attentions;
    private readonly ModuleList<ResnetBlock2D> resnets;

    public UNetMidBlock2DCrossAttn(
        int inChannels, int tembChannels, int transformerLayers, int groups, double eps, double outputScaleFactor,
        int heads, int crossAttentionDim, bool useLinearProjection)
        : base(nameof(UNetMidBlock2DCrossAttn))
    {
        resnets = nn.ModuleList(
            new ResnetBlock2D(inChannels, inChannels, tembChannels, groups, eps, outputScaleFactor),
            new ResnetBlock2D(inChannels, inChannels, tembChannels, groups, eps, outputScaleFactor));
        attentions = nn.ModuleList(
            new Transformer2DModel(heads, inChannels / heads, inChannels, transformerLayers, crossAttentionDim, groups, useLinearProjection));
        RegisterComponents();
    }

    public Tensor forward(Tensor hiddenStates, Tensor temb, Tensor encoderHiddenStates)
    {
        var h = resnets[0].forward(hiddenStates, temb);
        for (int i = 0; i < attentions.Count; i++)
        {
            h = attentions[i].forward(h, encoderHiddenStates);
            h = resnets[i + 1].forward(h, temb);
        }

        return h;
    }
}
