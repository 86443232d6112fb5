using System.Globalization;

namespace Chats.Training.Runs;

/// <summary>
/// The size of the ShapesEval base UNet: its <c>block_out_channels</c> and <c>layers_per_block</c>. The first block is a
/// plain down/up block and every deeper one has cross-attention, as in today's (32, 64) UNet; each block after the first
/// halves the 16x16 latent, so at most four blocks fit.
/// </summary>
/// <param name="BlockOutChannels">Channels of each resolution level, highest resolution first.</param>
/// <param name="LayersPerBlock">Resnet (and attention) layers per down block; up blocks get one more, as in diffusers.</param>
public sealed record ShapesUNetSize(IReadOnlyList<int> BlockOutChannels, int LayersPerBlock)
{
    /// <summary>The group-norm group count of the lab's UNet: every channel count must be a multiple of it.</summary>
    public const int NormGroups = 8;

    /// <summary>Most resolution levels: 16x16 latents halve three times to 2x2.</summary>
    public const int MaxBlocks = 4;

    /// <summary>The UNet the lab has always trained (and the shipped models use): (32, 64), 2 layers per block.</summary>
    public static ShapesUNetSize Default { get; } = new([32, 64], 2);

    /// <summary>Whether this is <see cref="Default"/> (record equality would compare the list by reference).</summary>
    public bool IsDefault => LayersPerBlock == Default.LayersPerBlock && BlockOutChannels.SequenceEqual(Default.BlockOutChannels);

    /// <summary>Parses <c>"64,128,256"</c> into channels; throws <see cref="ArgumentException"/> with a message for the command line.</summary>
    public static ShapesUNetSize Parse(string channels, int layersPerBlock)
    {
        ArgumentNullException.ThrowIfNull(channels);
        var parts = channels.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var values = new List<int>(parts.Length);
        foreach (string part in parts)
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int value))
            {
                throw new ArgumentException($"--unet-channels: '{part}' is not a whole number (expected e.g. 64,128,256)");
            }

            values.Add(value);
        }

        var size = new ShapesUNetSize(values, layersPerBlock);
        size.Validate();
        return size;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first problem: the block count, a channel count, or the layer count.</summary>
    public void Validate()
    {
        if (BlockOutChannels is null || BlockOutChannels.Count < 2 || BlockOutChannels.Count > MaxBlocks)
        {
            // One block would have no cross-attention level; more than four would downsample the 16x16 latent below 2x2.
            throw new ArgumentException($"--unet-channels: give 2 to {MaxBlocks} channel counts (got {BlockOutChannels?.Count ?? 0})");
        }

        foreach (int c in BlockOutChannels)
        {
            if (c <= 0 || c % NormGroups != 0)
            {
                throw new ArgumentException($"--unet-channels: {c} is not a positive multiple of {NormGroups} (the group-norm group count)");
            }
        }

        if (LayersPerBlock is < 1 or > 8)
        {
            throw new ArgumentException($"--layers-per-block: {LayersPerBlock} is outside 1..8");
        }
    }

    /// <summary><c>"(32, 64), 2 layers per block"</c>.</summary>
    public override string ToString() =>
        $"({string.Join(", ", BlockOutChannels)}), {LayersPerBlock} layer{(LayersPerBlock == 1 ? string.Empty : "s")} per block";
}
