using Chats.Inference.Models.Common;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.Vae;

/// <summary>
/// diffusers' <c>UNetMidBlock2D</c> as the VAE uses it: resnet, single-head spatial self-attention with group_norm and
/// residual, resnet; no time embedding.
/// </summary>
internal sealed class UNetMidBlock2D : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<Attention> attentions;
    private readonly ModuleList<ResnetBlock2D> resnets;

    public UNetMidBlock2D(int inChannels, int groups, double eps)
        : base(nameof(UNetMidBlock2D))
    {
        resnets = nn.ModuleList(
            new ResnetBlock2D(inChannels, inChannels, null, groups, eps),
            new ResnetBlock2D(inChannels, inChannels, null, groups, eps));

        // attention_head_dim = in_channels, so one head of the full width.
        attentions = nn.ModuleList(new Attention(
            inChannels, heads: 1, dimHead: inChannels, bias: true, normNumGroups: groups, eps: eps, residualConnection: true, rescaleOutputFactor: 1.0));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var h = resnets[0].forward(input, null);
        h = attentions[0].forward(h);
        return resnets[1].forward(h, null);
    }
}
