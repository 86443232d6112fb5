using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.Common;

/// <summary>diffusers' <c>ResnetBlock2D</c> (time_embedding_norm "default", SiLU, no up/down sampling).</summary>
internal sealed class ResnetBlock2D : nn.Module
{
    private readonly GroupNorm norm1;
    private readonly Conv2d conv1;
    private readonly Linear? time_emb_proj;
    private readonly GroupNorm norm2;
    private readonly Conv2d conv2;
    private readonly Conv2d? conv_shortcut;
    private readonly double _outputScaleFactor;

    /// <summary>Creates the block; <paramref name="tembChannels"/> is null for blocks without a time embedding (VAE).</summary>
    public ResnetBlock2D(int inChannels, int outChannels, int? tembChannels, int groups, double eps, double outputScaleFactor = 1.0)
        : base(nameof(ResnetBlock2D))
    {
        norm1 = nn.GroupNorm(groups, inChannels, eps, affine: true);
        conv1 = nn.Conv2d(inChannels, outChannels, 3, padding: 1);
        if (tembChannels is int t)
        {
            time_emb_proj = nn.Linear(t, outChannels);
        }

        norm2 = nn.GroupNorm(groups, outChannels, eps, affine: true);
        conv2 = nn.Conv2d(outChannels, outChannels, 3, padding: 1);
        if (inChannels != outChannels)
        {
            conv_shortcut = nn.Conv2d(inChannels, outChannels, 1);
        }

        _outputScaleFactor = outputScaleFactor;
        RegisterComponents();
    }

    public Tensor forward(Tensor input, Tensor? temb)
    {
        using var scope = NewDisposeScope();
        var h = conv1.forward(nn.functional.silu(norm1.forward(input)));
        if (temb is not null && time_emb_proj is not null)
        {
            var t = time_emb_proj.forward(nn.functional.silu(temb));
            h = h + t[.., .., TensorIndex.None, TensorIndex.None];
        }

        h = conv2.forward(nn.functional.silu(norm2.forward(h)));
        var shortcut = conv_shortcut is null ? input : conv_shortcut.forward(input);
        var output = shortcut + h;
        if (_outputScaleFactor != 1.0)
        {
            output = output / _outputScaleFactor;
        }

        return output.MoveToOuterDisposeScope();
    }
}
