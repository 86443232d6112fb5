using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.Vae;

/// <summary>diffusers' VAE <c>Decoder</c> (norm_type "group"): latents after post_quant_conv to an image in [-1, 1] (unclamped).</summary>
internal sealed class Decoder : nn.Module<Tensor, Tensor>
{
    private const double Eps = 1e-6;

    private readonly Conv2d conv_in;
    private readonly UNetMidBlock2D mid_block;
    private readonly ModuleList<UpDecoderBlock2D> up_blocks;
    private readonly GroupNorm conv_norm_out;
    private readonly Conv2d conv_out;

    public Decoder(AutoencoderKLConfig config)
        : base(nameof(Decoder))
    {
        var boc = config.BlockOutChannels;
        int groups = config.NormNumGroups;
        conv_in = nn.Conv2d(config.LatentChannels, boc[^1], 3, padding: 1);
        mid_block = new UNetMidBlock2D(boc[^1], groups, Eps);
        var blocks = new List<UpDecoderBlock2D>();
        int outputChannel = boc[^1];
        for (int i = 0; i < boc.Count; i++)
        {
            int prevOutputChannel = outputChannel;
            outputChannel = boc[boc.Count - 1 - i];
            blocks.Add(new UpDecoderBlock2D(prevOutputChannel, outputChannel, config.LayersPerBlock + 1, groups, Eps, addUpsample: i != boc.Count - 1));
        }

        up_blocks = nn.ModuleList([.. blocks]);
        conv_norm_out = nn.GroupNorm(groups, boc[0], Eps, affine: true);
        conv_out = nn.Conv2d(boc[0], config.OutChannels, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var h = conv_in.forward(input);
        h = mid_block.forward(h);
        foreach (var block in up_blocks)
        {
            h = block.forward(h);
        }

        h = conv_out.forward(nn.functional.silu(conv_norm_out.forward(h)));
        return h.MoveToOuterDisposeScope();
    }
}
