using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Chats.Core.Tests.Sampling;

/// <summary>Reads back the 8-bit RGB pixels of PNGs as <see cref="Chats.Core.Imaging.PngEncoder"/> writes them (no interlace, filter type 0 rows).</summary>
internal static class PngRgbReader
{
    public static byte[] ReadRgb(byte[] png, out int width, out int height)
    {
        width = height = 0;
        using var idat = new MemoryStream();
        for (int offset = 8; offset < png.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
            string type = Encoding.ASCII.GetString(png, offset + 4, 4);
            var data = png.AsSpan(offset + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                Assert.Equal([8, 2, 0, 0, 0], data[8..13].ToArray());
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }

            offset += 12 + length;
        }

        idat.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionMode.Decompress))
        {
            zlib.CopyTo(inflated);
        }

        byte[] raw = inflated.ToArray();
        int stride = width * 3;
        Assert.Equal(height * (1 + stride), raw.Length);
        var rgb = new byte[height * stride];
        for (int y = 0; y < height; y++)
        {
            Assert.Equal(0, raw[y * (1 + stride)]);
            raw.AsSpan((y * (1 + stride)) + 1, stride).CopyTo(rgb.AsSpan(y * stride));
        }

        return rgb;
    }
}
