using Chats.Inference.Models.Common;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.Vae;

/// <summary>diffusers' <c>UpDecoderBlock2D</c>: resnets without time embedding, then an optional 2x upsampler.</summary>
internal sealed class UpDecoderBlock2D : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<ResnetBlock2D> resnets;
    private readonly ModuleList<Upsample2D>? upsamplers;

    public UpDecoderBlock2D(int inChannels, int outChannels, int numLayers, int groups, double eps, bool addUpsample)
        : base(nameof(UpDecoderBlock2D))
    {
        resnets = nn.ModuleList([.. Enumerable.Range(0, numLayers).Select(i => new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, null, groups, eps))]);
        if (addUpsample)
        {
            upsamplers = nn.ModuleList(new Upsample2D(outChannels, outChannels));
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

        return upsamplers is null ? h : upsamplers[0].forward(h);
    }
}
