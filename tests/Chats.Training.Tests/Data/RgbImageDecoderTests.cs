using Chats.Training.Data;
using SkiaSharp;

namespace Chats.Training.Tests.Data;

public sealed class RgbImageDecoderTests
{
    [Fact]
    public void Decode_Png_GivesTheExactPixels()
    {
        var image = TestImages.ForRow(2, chosen: true);
        var decoded = RgbImageDecoder.Decode(TestImages.Png(image));
        Assert.Equal(image.Width, decoded.Width);
        Assert.Equal(image.Height, decoded.Height);
        Assert.Equal(image.Rgb, decoded.Rgb);
    }

    [Fact]
    public void Decode_JpegEncodedBySkia_IsCloseToTheSourceColour()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(16, 8, SKColorType.Rgba8888, SKAlphaType.Opaque));
        bitmap.Erase(new SKColor(200, 40, 60));
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 95);
        byte[] jpeg = data.ToArray();
        Assert.Equal(0xFF, jpeg[0]);
        Assert.Equal(0xD8, jpeg[1]);

        var decoded = RgbImageDecoder.Decode(jpeg);

        Assert.Equal((16, 8), (decoded.Width, decoded.Height));
        for (int y = 0; y < 8; y++)
        {
            for (int x = 0; x < 16; x++)
            {
                var (r, g, b) = decoded.GetPixel(x, y);
                Assert.InRange(r, 195, 205);
                Assert.InRange(g, 35, 45);
                Assert.InRange(b, 55, 65);
            }
        }
    }

    [Fact]
    public void Decode_AlphaPng_IsCompositedOnWhite()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(2, 1, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bitmap.SetPixel(0, 0, new SKColor(255, 0, 0, 0));   // fully transparent red
        bitmap.SetPixel(1, 0, new SKColor(0, 0, 255, 128)); // half-transparent blue
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);

        var decoded = RgbImageDecoder.Decode(data.ToArray());

        Assert.Equal(((byte)255, (byte)255, (byte)255), decoded.GetPixel(0, 0));
        var (r, g, b) = decoded.GetPixel(1, 0);
        Assert.InRange(r, 125, 129); // 255·(1 − 128/255)
        Assert.InRange(g, 125, 129);
        Assert.Equal(255, b);
    }

    [Fact]
    public void Decode_Garbage_ThrowsInvalidData()
    {
        Assert.Throws<InvalidDataException>(() => RgbImageDecoder.Decode([1, 2, 3, 4, 5, 6, 7, 8]));
        Assert.Throws<InvalidDataException>(() => RgbImageDecoder.Decode([]));
    }

    [Fact]
    public void Decode_WithSize_CropsTheCentreSquareThenResizes()
    {
        // 40x20: red | green (20 wide, the centre square) | blue.
        var image = TestImages.Make(40, 20, (x, _) => x < 10 ? ((byte)255, (byte)0, (byte)0) : x < 30 ? ((byte)0, (byte)255, (byte)0) : ((byte)0, (byte)0, (byte)255));

        var decoded = RgbImageDecoder.Decode(TestImages.Png(image), size: 8);

        Assert.Equal((8, 8), (decoded.Width, decoded.Height));
        for (int y = 0; y < 8; y++)
        {
            for (int x = 0; x < 8; x++)
            {
                Assert.Equal(((byte)0, (byte)255, (byte)0), decoded.GetPixel(x, y));
            }
        }
    }

    [Fact]
    public void CenterCropResize_TallImage_KeepsTheMiddleRows()
    {
        // 6x10: rows 0-1 black, 2-7 white, 8-9 black; the centre 6x6 square is rows 2-7.
        var image = TestImages.Make(6, 10, (_, y) => y is >= 2 and < 8 ? ((byte)255, (byte)255, (byte)255) : ((byte)0, (byte)0, (byte)0));

        var same = RgbImageDecoder.CenterCropResize(image, 6);
        Assert.Equal((6, 6), (same.Width, same.Height));
        Assert.All(same.Rgb, v => Assert.Equal(255, v));

        var up = RgbImageDecoder.CenterCropResize(image, 12);
        Assert.Equal((12, 12), (up.Width, up.Height));
        Assert.All(up.Rgb, v => Assert.Equal(255, v));
    }

    [Fact]
    public void CenterCropResize_Downscale_AveragesFineDetail()
    {
        // A 1-pixel checkerboard shrunk 8x: an antialiased filter gives mid grey, point sampling would not.
        var board = TestImages.Make(64, 64, (x, y) => ((x + y) % 2 == 0) ? ((byte)255, (byte)255, (byte)255) : ((byte)0, (byte)0, (byte)0));

        var small = RgbImageDecoder.CenterCropResize(board, 8);

        Assert.Equal((8, 8), (small.Width, small.Height));
        Assert.All(small.Rgb, v => Assert.InRange(v, 100, 155));
    }

    [Fact]
    public void RgbImage_WrongLength_Throws() =>
        Assert.Throws<ArgumentException>(() => new RgbImage(2, 2, new byte[11]));
}
