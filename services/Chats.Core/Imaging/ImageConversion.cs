namespace Chats.Core.Imaging;

/// <summary>Conversions between decoder outputs and 8-bit images, as diffusers' image processor does them.</summary>
public static class ImageConversion
{
    /// <summary>
    /// A planar [3, H, W] image in [−1, 1] to interleaved RGB bytes: (x/2 + 0.5) clamped to [0, 1],
    /// times 255, rounded half to even (numpy's round).
    /// </summary>
    public static byte[] PlanarSignedToRgb(ReadOnlySpan<float> planar, int width, int height)
    {
        int plane = width * height;
        if (planar.Length != 3 * plane)
        {
            throw new ArgumentException($"expected 3·{height}·{width} values, got {planar.Length}", nameof(planar));
        }

        var rgb = new byte[3 * plane];
        for (int c = 0; c < 3; c++)
        {
            for (int p = 0; p < plane; p++)
            {
                float v = Math.Clamp((planar[(c * plane) + p] / 2f) + 0.5f, 0f, 1f);
                rgb[(p * 3) + c] = (byte)MathF.Round(v * 255f, MidpointRounding.ToEven);
            }
        }

        return rgb;
    }
}
