using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.SD3Transformer;

/// <summary>
/// diffusers' <c>PatchEmbed</c> as SD3 builds it: a patch_size-strided convolution to tokens (no layer norm) plus a 2-d
/// sin-cos position embedding. With <c>pos_embed_max_size</c> the embedding is a stored grid of that side (the
/// checkpoint's <c>pos_embed.pos_embed</c>), cropped about its centre to each latent; without it the embedding is
/// computed for the latent's size.
/// </summary>
internal sealed class PatchEmbed : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d proj;
    private Tensor? pos_embed;
    private readonly int _patchSize;
    private readonly int _embedDim;
    private readonly int? _posEmbedMaxSize;
    private readonly int _baseSize;

    // SD3 never passes interpolation_scale, so diffusers' default of 1 applies.
    private const double InterpolationScale = 1.0;

    public PatchEmbed(int sampleSize, int patchSize, int inChannels, int embedDim, int? posEmbedMaxSize)
        : base(nameof(PatchEmbed))
    {
        proj = nn.Conv2d(inChannels, embedDim, kernel_size: patchSize, stride: patchSize, bias: true);
        _patchSize = patchSize;
        _embedDim = embedDim;
        _posEmbedMaxSize = posEmbedMaxSize;
        _baseSize = sampleSize / patchSize;
        if (posEmbedMaxSize is int max)
        {
            pos_embed = SinCosPositionEmbedding(embedDim, max, max, _baseSize, InterpolationScale).unsqueeze(0);
        }

        RegisterComponents();
    }

    /// <param name="latent">(batch, channels, height, width); height and width are multiples of the patch size and fit the grid (checked by the model).</param>
    /// <returns>(batch, patches, embed_dim), patches in row-major order.</returns>
    public override Tensor forward(Tensor latent)
    {
        using var scope = NewDisposeScope();
        int height = (int)(latent.shape[^2] / _patchSize);
        int width = (int)(latent.shape[^1] / _patchSize);
        var tokens = proj.forward(latent).flatten(2).transpose(1, 2);
        var position = pos_embed is null
            ? SinCosPositionEmbedding(_embedDim, height, width, _baseSize, InterpolationScale).unsqueeze(0).to(latent.device)
            : CroppedPosEmbed(pos_embed, height, width);
        return (tokens + position).to(latent.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>The centred height × width window of the stored grid, as (1, height·width, embed_dim).</summary>
    private Tensor CroppedPosEmbed(Tensor grid, int height, int width)
    {
        int max = _posEmbedMaxSize!.Value;
        int top = (max - height) / 2;
        int left = (max - width) / 2;
        var spatial = grid.reshape(1, max, max, -1)[.., top..(top + height), left..(left + width), ..];
        return spatial.reshape(1, -1, spatial.shape[^1]);
    }

    /// <summary>
    /// diffusers' <c>get_2d_sincos_pos_embed</c> for a (gridHeight, gridWidth) grid: (gridHeight·gridWidth, embedDim) in
    /// float32. Positions are computed in float32 and the sines in float64, as diffusers' numpy code does. The first
    /// half of the width encodes the column and the second the row (diffusers' meshgrid puts w first).
    /// </summary>
    internal static Tensor SinCosPositionEmbedding(int embedDim, int gridHeight, int gridWidth, int baseSize, double interpolationScale)
    {
        if (embedDim % 4 != 0)
        {
            throw new ArgumentException($"the sin-cos position embedding needs a width divisible by 4, got {embedDim}", nameof(embedDim));
        }

        int quarter = embedDim / 4;
        var omega = new double[quarter];
        for (int d = 0; d < quarter; d++)
        {
            omega[d] = 1.0 / Math.Pow(10000, d / (double)quarter);
        }

        float rowStep = (float)(gridHeight / (double)baseSize);
        float colStep = (float)(gridWidth / (double)baseSize);
        var values = new float[gridHeight * gridWidth * embedDim];
        for (int r = 0; r < gridHeight; r++)
        {
            double rowPos = (float)(r / rowStep) / (float)interpolationScale;
            for (int c = 0; c < gridWidth; c++)
            {
                double colPos = (float)(c / colStep) / (float)interpolationScale;
                int offset = (r * gridWidth + c) * embedDim;
                for (int d = 0; d < quarter; d++)
                {
                    values[offset + d] = (float)Math.Sin(colPos * omega[d]);
                    values[offset + quarter + d] = (float)Math.Cos(colPos * omega[d]);
                    values[offset + 2 * quarter + d] = (float)Math.Sin(rowPos * omega[d]);
                    values[offset + 3 * quarter + d] = (float)Math.Cos(rowPos * omega[d]);
                }
            }
        }

        return tensor(values, [gridHeight * gridWidth, embedDim]);
    }
}
