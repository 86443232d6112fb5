using Chats.Inference.Models.Common;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.Vae;

/// <summary>diffusers' <c>DownEncoderBlock2D</c>: resnets without time embedding, then an optional downsampler (padding 0).</summary>
internal sealed class DownEncoderBlock2D : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<ResnetBlock2D> resnets;
    private readonly ModuleList<Downsample2D>? downsamplers;

    public DownEncoderBlock2D(int inChannels, int outChannels, int numLayers, int groups, double eps, bool addDownsample)
        : base(nameof(DownEncoderBlock2D))
    {
        resnets = nn.ModuleList([.. Enumerable.Range(0, numLayers).Select(i => new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, null, groups, eps))]);
        if (addDownsample)
        {
            downsamplers = nn.ModuleList(new Downsample2D(outChannels, outChannels, padding: 0));
        }

        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var h = input;
        foreach (var resnet in resnets)
        {
            h = resnet.forward(h, null);
        }

        return downsamplers is null ? h : downsamplers[0].forward(h);
    }
}
