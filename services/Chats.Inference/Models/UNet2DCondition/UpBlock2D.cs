using Chats.Inference.Models.Common;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.UNet2DCondition;

/// <summary>diffusers' <c>UpBlock2D</c>: resnets over (hidden, skip) concatenations, then an optional upsampler.</summary>
internal sealed class UpBlock2D : UNetUpBlock
{
    private readonly ModuleList<ResnetBlock2D> resnets;
    private readonly ModuleList<Upsample2D>? upsamplers;

    public UpBlock2D(int inChannels, int prevOutputChannels, int outChannels, int tembChannels, int numLayers, int groups, double eps, bool addUpsample)
        : base(nameof(UpBlock2D))
    {
        resnets = nn.ModuleList([.. Enumerable.Range(0, numLayers).Select(i =>
        {
            int skipChannels = i == numLayers - 1 ? inChannels : outChannels;
            int resnetIn = i == 0 ? prevOutputChannels : outChannels;
            return new ResnetBlock2D(resnetIn + skipChannels, outChannels, tembChannels, groups, eps);
        })]);
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
        }

        return upsamplers is null ? h : upsamplers[0].forward(h, upsampleSize);
    }
}
