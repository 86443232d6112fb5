using System.Buffers.Binary;
using System.IO.Compression;

namespace Chats.Training.Shapes;

/// <summary>
/// Reads 8-bit, non-interlaced RGB (color type 2) and RGBA (color type 6, alpha dropped) PNGs into RGB bytes:
/// concatenated IDAT data inflated with <see cref="ZLibStream"/>, filters 0–4 undone. Other formats (palette, gray,
/// 16-bit, interlaced) are refused with <see cref="FormatException"/>. Chunk CRCs are not checked.
/// </summary>
public static class PngRgbReader
{
    private static readonly byte[] s_signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Reads a PNG file.</summary>
    public static RgbImage ReadFile(string path) => Read(File.ReadAllBytes(path));

    /// <summary>Decodes PNG bytes.</summary>
    public static RgbImage Read(ReadOnlySpan<byte> png)
    {
        if (png.Length < 8 || !png[..8].SequenceEqual(s_signature))
        {
            throw new FormatException("not a PNG file (bad signature)");
        }

        int width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        int offset = 8;
        bool sawHeader = false, sawEnd = false;
        while (!sawEnd)
        {
            if (offset + 8 > png.Length)
            {
                throw new FormatException("truncated PNG: no IEND chunk");
            }

            int length = BinaryPrimitives.ReadInt32BigEndian(png[offset..]);
            var type = png.Slice(offset + 4, 4);
            if (length < 0 || offset + 12 + (long)length > png.Length)
            {
                throw new FormatException("truncated PNG chunk");
            }

            var data = png.Slice(offset + 8, length);
            if (type.SequenceEqual("IHDR"u8))
            {
                if (length != 13)
                {
                    throw new FormatException("bad IHDR length");
                }

                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                byte depth = data[8], colorType = data[9], interlace = data[12];
                if (width <= 0 || height <= 0 || (long)width * height > 1 << 26)
                {
                    throw new FormatException($"unsupported PNG size {width}x{height}");
                }

                if (depth != 8 || (colorType != 2 && colorType != 6) || data[10] != 0 || data[11] != 0 || interlace != 0)
                {
                    throw new FormatException(
                        $"unsupported PNG (bit depth {depth}, color type {colorType}, interlace {interlace}); only 8-bit non-interlaced RGB or RGBA is read");
                }

                channels = colorType == 2 ? 3 : 4;
                sawHeader = true;
            }
            else if (type.SequenceEqual("IDAT"u8))
            {
                if (!sawHeader)
                {
                    throw new FormatException("IDAT before IHDR");
                }

                idat.Write(data);
            }
            else if (type.SequenceEqual("IEND"u8))
            {
                sawEnd = true;
            }

            offset += 12 + length;
        }

        if (!sawHeader)
        {
            throw new FormatException("PNG without IHDR");
        }

        int stride = width * channels;
        var raw = new byte[(stride + 1) * height];
        idat.Position = 0;
        using (var zlib = new ZLibStream(idat, CompressionMode.Decompress))
        {
            zlib.ReadExactly(raw);
        }

        var pixels = Unfilter(raw, stride, height, channels);
        if (channels == 3)
        {
            return new RgbImage(width, height, pixels);
        }

        var rgb = new byte[width * height * 3];
        for (int i = 0, j = 0; i < pixels.Length; i += 4, j += 3)
        {
            rgb[j] = pixels[i];
            rgb[j + 1] = pixels[i + 1];
            rgb[j + 2] = pixels[i + 2];
        }

        return new RgbImage(width, height, rgb);
    }

    private static byte[] Unfilter(byte[] raw, int stride, int height, int bpp)
    {
        var output = new byte[stride * height];
        for (int y = 0; y < height; y++)
        {
            byte filter = raw[y * (stride + 1)];
            var line = raw.AsSpan((y * (stride + 1)) + 1, stride);
            var current = output.AsSpan(y * stride, stride);
            ReadOnlySpan<byte> previous = y > 0 ? output.AsSpan((y - 1) * stride, stride) : new byte[stride];
            for (int i = 0; i < stride; i++)
            {
                int a = i >= bpp ? current[i - bpp] : 0;
                int b = previous[i];
                int c = i >= bpp ? previous[i - bpp] : 0;
                int predictor = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) >> 1,
                    4 => Paeth(a, b, c),
                    _ => throw new FormatException($"bad PNG filter type {filter} on row {y}"),
                };
                current[i] = (byte)(line[i] + predictor);
            }
        }

        return output;
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
