using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.Common;

/// <summary>diffusers' <c>Upsample2D</c>: nearest-neighbour 2x (or to an explicit size) followed by a 3x3 conv.</summary>
internal sealed class Upsample2D : nn.Module
{
    private readonly Conv2d conv;

    public Upsample2D(int channels, int outChannels)
        : base(nameof(Upsample2D))
    {
        conv = nn.Conv2d(channels, outChannels, 3, padding: 1);
        RegisterComponents();
    }

    /// <summary>Upsamples 2x, or to <paramref name="outputSize"/> (height, width) as the UNet passes from the skip connection when sizes are odd.</summary>
    public Tensor forward(Tensor input, long[]? outputSize = null)
    {
        using var upsampled = outputSize is null
            ? nn.functional.interpolate(input, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest)
            : nn.functional.interpolate(input, size: outputSize, mode: InterpolationMode.Nearest);
        return conv.forward(upsampled);
    }
}
