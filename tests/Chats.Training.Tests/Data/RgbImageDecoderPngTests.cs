using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using Chats.Core.Imaging;
using Chats.Training.Data;
using Chats.Training.Shapes;

namespace Chats.Training.Tests.Data;

/// <summary>PNG decoding through <see cref="RgbImageDecoder"/>: round trips through <see cref="PngEncoder"/> and every row filter.</summary>
public sealed class RgbImageDecoderPngTests
{
    [Fact]
    public void RoundTrip_ThroughPngEncoder_GivesTheSameRgb()
    {
        var rgb = ShapesRenderer.RenderRgb(ShapesRenderer.Render(ShapesPrompt.Parse("a red circle and a blue triangle"), new Random(3)));
        var image = RgbImageDecoder.Decode(PngEncoder.EncodeRgb(rgb, 64, 64));
        Assert.Equal((64, 64), (image.Width, image.Height));
        Assert.Equal(rgb, image.Rgb);
    }

    [Fact]
    public void RoundTrip_NonSquareNoise()
    {
        var rgb = new byte[37 * 11 * 3];
        new Random(1).NextBytes(rgb);
        var image = RgbImageDecoder.Decode(PngEncoder.EncodeRgb(rgb, 37, 11));
        Assert.Equal((37, 11), (image.Width, image.Height));
        Assert.Equal(rgb, image.Rgb);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public void FilteredPng_WithEveryFilterType_DecodesCorrectly(int channels)
    {
        const int width = 13, height = 10;
        var pixels = new byte[width * height * channels];
        new Random(channels).NextBytes(pixels);
        if (channels == 4)
        {
            // Opaque: the decoder composites alpha over white (Decode_AlphaPng_IsCompositedOnWhite); here only the
            // filters are under test, so the RGB bytes must come back unchanged.
            for (int i = 3; i < pixels.Length; i += 4)
            {
                pixels[i] = 255;
            }
        }

        byte[] png = WriteFiltered(pixels, width, height, channels);

        var image = RgbImageDecoder.Decode(png);

        var expected = new byte[width * height * 3];
        for (int i = 0; i < width * height; i++)
        {
            Array.Copy(pixels, i * channels, expected, i * 3, 3);
        }

        Assert.Equal(expected, image.Rgb);
    }

    [Fact]
    public void Decode_TruncatedPng_ThrowsInvalidData()
    {
        Assert.Throws<InvalidDataException>(() => RgbImageDecoder.Decode(new byte[] { 1, 2, 3 }));
        var png = PngEncoder.EncodeRgb(new byte[12], 2, 2);
        Assert.Throws<InvalidDataException>(() => RgbImageDecoder.Decode(png.AsSpan(0, 16)));
    }

    /// <summary>A PNG whose rows use filter types 0, 1, 2, 3, 4, 0, 1, ... in turn (written here, by hand).</summary>
    private static byte[] WriteFiltered(byte[] pixels, int width, int height, int bpp)
    {
        int stride = width * bpp;
        using var raw = new MemoryStream();
        for (int y = 0; y < height; y++)
        {
            int filter = y % 5;
            raw.WriteByte((byte)filter);
            for (int i = 0; i < stride; i++)
            {
                int x = pixels[(y * stride) + i];
                int a = i >= bpp ? pixels[(y * stride) + i - bpp] : 0;
                int b = y > 0 ? pixels[((y - 1) * stride) + i] : 0;
                int c = i >= bpp && y > 0 ? pixels[((y - 1) * stride) + i - bpp] : 0;
                int predictor = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    _ => Paeth(a, b, c),
                };
                raw.WriteByte((byte)(x - predictor));
            }
        }

        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            z.Write(raw.ToArray());
        }

        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        header[9] = (byte)(bpp == 3 ? 2 : 6);

        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        Chunk(png, "IHDR"u8, header);
        var data = compressed.ToArray();
        int half = data.Length / 2; // two IDAT chunks, to exercise concatenation
        Chunk(png, "IDAT"u8, data.AsSpan(0, half));
        Chunk(png, "IDAT"u8, data.AsSpan(half));
        Chunk(png, "IEND"u8, []);
        return png.ToArray();
    }

    private static void Chunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        output.Write(type);
        output.Write(data);
        var crc = new Crc32();
        crc.Append(type);
        crc.Append(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, crc.GetCurrentHashAsUInt32());
        output.Write(word);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
