using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.Common;

/// <summary>diffusers' <c>Downsample2D</c> with a strided 3x3 conv; padding 0 pads right and bottom by one first.</summary>
internal sealed class Downsample2D : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    private readonly int _padding;

    public Downsample2D(int channels, int outChannels, int padding)
        : base(nameof(Downsample2D))
    {
        conv = nn.Conv2d(channels, outChannels, 3, stride: 2, padding: padding);
        _padding = padding;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        if (_padding != 0)
        {
            return conv.forward(input);
        }

        using var padded = nn.functional.pad(input, [0, 1, 0, 1], TorchSharp.PaddingModes.Constant, 0);
        return conv.forward(padded);
    }
}
