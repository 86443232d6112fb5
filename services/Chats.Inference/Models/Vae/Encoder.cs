using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.Vae;

/// <summary>diffusers' VAE <c>Encoder</c> (double_z): image to 2 * latent_channels moments before quant_conv.</summary>
internal sealed class Encoder : nn.Module<Tensor, Tensor>
{
    private const double Eps = 1e-6;

    private readonly Conv2d conv_in;
    private readonly ModuleList<DownEncoderBlock2D> down_blocks;
    private readonly UNetMidBlock2D mid_block;
    private readonly GroupNorm conv_norm_out;
    private readonly Conv2d conv_out;

    public Encoder(AutoencoderKLConfig config)
        : base(nameof(Encoder))
    {
        var boc = config.BlockOutChannels;
        int groups = config.NormNumGroups;
        conv_in = nn.Conv2d(config.InChannels, boc[0], 3, padding: 1);
        var blocks = new List<DownEncoderBlock2D>();
        int outputChannel = boc[0];
        for (int i = 0; i < boc.Count; i++)
        {
            int inputChannel = outputChannel;
            outputChannel = boc[i];
            blocks.Add(new DownEncoderBlock2D(inputChannel, outputChannel, config.LayersPerBlock, groups, Eps, addDownsample: i != boc.Count - 1));
        }

        down_blocks = nn.ModuleList([.. blocks]);
        mid_block = new UNetMidBlock2D(boc[^1], groups, Eps);
        conv_norm_out = nn.GroupNorm(groups, boc[^1], Eps, affine: true);
        conv_out = nn.Conv2d(boc[^1], 2 * config.LatentChannels, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var h = conv_in.forward(input);
        foreach (var block in down_blocks)
        {
            h = block.forward(h);
        }

        h = mid_block.forward(h);
        h = conv_out.forward(nn.functional.silu(conv_norm_out.forward(h)));
        return h.MoveToOuterDisposeScope();
    }
}
