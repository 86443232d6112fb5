using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using Chats.Core.Imaging;

namespace Chats.Core.Tests.Imaging;

public sealed class PngEncoderTests
{
    private static readonly byte[] s_signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private static byte[] Pixels(int width, int height)
    {
        var rgb = new byte[width * height * 3];
        for (int i = 0; i < rgb.Length; i++)
        {
            rgb[i] = (byte)((i * 37) + 11);
        }

        return rgb;
    }

    private static List<(string Type, byte[] Data)> Chunks(byte[] png)
    {
        var chunks = new List<(string, byte[])>();
        int offset = 8;
        while (offset < png.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
            string type = System.Text.Encoding.ASCII.GetString(png, offset + 4, 4);
            byte[] data = png.AsSpan(offset + 8, length).ToArray();
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset + 8 + length));
            Assert.Equal(Crc32.HashToUInt32(png.AsSpan(offset + 4, 4 + length)), crc);
            chunks.Add((type, data));
            offset += 12 + length;
        }

        Assert.Equal(png.Length, offset);
        return chunks;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 2)]
    [InlineData(64, 48)]
    public void ReadSize_ReturnsEncodedWidthAndHeight(int width, int height)
    {
        byte[] png = PngEncoder.EncodeRgb(Pixels(width, height), width, height);

        Assert.Equal((width, height), PngEncoder.ReadSize(png));
    }

    [Fact]
    public void EncodeRgb_HasSignatureThenIhdrIdatIend_WithValidCrcs()
    {
        byte[] png = PngEncoder.EncodeRgb(Pixels(3, 2), 3, 2);

        Assert.Equal(s_signature, png.AsSpan(0, 8).ToArray());
        var chunks = Chunks(png);
        Assert.Equal(["IHDR", "IDAT", "IEND"], chunks.Select(c => c.Type));
        // IHDR: width 3, height 2 (big-endian), depth 8, colour type 2 (RGB), deflate, filter 0, no interlace.
        Assert.Equal([0, 0, 0, 3, 0, 0, 0, 2, 8, 2, 0, 0, 0], chunks[0].Data);
        Assert.Empty(chunks[2].Data);
    }

    [Theory]
    [InlineData(3, 2)]
    [InlineData(17, 5)]
    public void EncodeRgb_IdatInflatesToUnfilteredRowsOfTheInput(int width, int height)
    {
        byte[] rgb = Pixels(width, height);
        byte[] png = PngEncoder.EncodeRgb(rgb, width, height);
        byte[] idat = Chunks(png).Single(c => c.Type == "IDAT").Data;

        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(new MemoryStream(idat), CompressionMode.Decompress))
        {
            zlib.CopyTo(inflated);
        }

        byte[] raw = inflated.ToArray();
        int stride = width * 3;
        Assert.Equal(height * (1 + stride), raw.Length);
        for (int y = 0; y < height; y++)
        {
            Assert.Equal(0, raw[y * (1 + stride)]);
            Assert.Equal(rgb.AsSpan(y * stride, stride).ToArray(), raw.AsSpan((y * (1 + stride)) + 1, stride).ToArray());
        }
    }

    [Fact]
    public void EncodeRgb_SamePixels_GiveByteIdenticalFiles()
    {
        byte[] first = PngEncoder.EncodeRgb(Pixels(16, 9), 16, 9);
        byte[] second = PngEncoder.EncodeRgb(Pixels(16, 9), 16, 9);

        Assert.Equal(first, second);
    }

    [Fact]
    public void EncodeRgb_DifferentPixels_GiveDifferentFiles()
    {
        byte[] rgb = Pixels(4, 4);
        byte[] first = PngEncoder.EncodeRgb(rgb, 4, 4);
        rgb[5] ^= 0xFF;

        Assert.NotEqual(first, PngEncoder.EncodeRgb(rgb, 4, 4));
    }

    [Theory]
    [InlineData(0, 1, 3)]
    [InlineData(1, 0, 3)]
    [InlineData(-1, 1, 3)]
    [InlineData(2, 1, 5)]
    public void EncodeRgb_BadArguments_Throw(int width, int height, int byteCount)
    {
        Assert.ThrowsAny<ArgumentException>(() => PngEncoder.EncodeRgb(new byte[byteCount], width, height));
    }

    [Fact]
    public void ReadSize_NotAPng_Throws()
    {
        byte[] png = PngEncoder.EncodeRgb(Pixels(2, 2), 2, 2);
        png[1] = (byte)'X';

        Assert.Throws<ArgumentException>(() => PngEncoder.ReadSize(png));
        Assert.Throws<ArgumentException>(() => PngEncoder.ReadSize(new byte[10]));
    }
}
