using Chats.Core.Imaging;
using Chats.Training.Data;

namespace Chats.Training.Tests.Data;

/// <summary>Tiny images for the preference data tests.</summary>
internal static class TestImages
{
    public static RgbImage Solid(int width, int height, byte r, byte g, byte b) =>
        Make(width, height, (_, _) => (r, g, b));

    public static RgbImage Make(int width, int height, Func<int, int, (byte R, byte G, byte B)> pixel)
    {
        var rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                var (r, g, b) = pixel(x, y);
                int o = ((y * width) + x) * 3;
                rgb[o] = r;
                rgb[o + 1] = g;
                rgb[o + 2] = b;
            }
        }

        return new RgbImage(width, height, rgb);
    }

    /// <summary>A small distinct image per (row, which): a gradient whose corner encodes the row.</summary>
    public static RgbImage ForRow(int row, bool chosen) =>
        Make(4, 3, (x, y) => ((byte)((row * 50) + x), (byte)(chosen ? 200 : 20), (byte)(y * 10)));

    public static byte[] Png(RgbImage image) => PngEncoder.EncodeRgb(image.Rgb, image.Width, image.Height);
}
