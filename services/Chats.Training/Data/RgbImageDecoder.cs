using System.Runtime.InteropServices;
using SkiaSharp;

namespace Chats.Training.Data;

/// <summary>
/// Decodes encoded images (PNG, JPEG, WebP, and whatever else Skia's codecs read: GIF's first frame, BMP, ...)
/// to <see cref="RgbImage"/>, and prepares them for training.
/// </summary>
/// <remarks>
/// Alpha is removed by compositing over opaque white (source-over), so a transparent pixel becomes white and
/// an opaque one is unchanged. Pixels are the stored sRGB bytes: no colour management is applied.
/// Resizing (<see cref="CenterCropResize"/>) first takes the largest centred square (an odd leftover pixel goes
/// to the right / bottom side), then scales it to the target with <see cref="ResizeSampling"/>: bilinear
/// filtering with linear blending between mipmap levels ("trilinear"), which averages over the source footprint
/// when shrinking, close to (not bit-identical with) torchvision's antialiased bilinear resize used by the
/// diffusers training scripts (resize shortest side, then centre crop: the same geometry).
/// </remarks>
public static class RgbImageDecoder
{
    /// <summary>The sampling used by <see cref="CenterCropResize"/>: bilinear with linear mipmap blending.</summary>
    public static SKSamplingOptions ResizeSampling { get; } = new(SKFilterMode.Linear, SKMipmapMode.Linear);

    /// <summary>
    /// Decodes <paramref name="encoded"/> to RGB, compositing any alpha over white; with <paramref name="size"/>,
    /// also centre-crops to a square and resizes it to <paramref name="size"/>×<paramref name="size"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The bytes are empty or not an image Skia can decode.</exception>
    public static RgbImage Decode(ReadOnlySpan<byte> encoded, int? size = null)
    {
        if (size is int s)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(s, nameof(size));
        }

        if (encoded.IsEmpty)
        {
            throw new InvalidDataException("empty image data");
        }

        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data)
            ?? throw new InvalidDataException($"not a decodable image ({encoded.Length} bytes; expected PNG, JPEG, WebP or another format Skia reads)");
        using var decoded = SKBitmap.Decode(codec)
            ?? throw new InvalidDataException($"image data could not be decoded ({encoded.Length} bytes, {codec.EncodedFormat})");
        using var opaque = CompositeOnWhite(decoded);
        if (size is int target)
        {
            using var resized = CropResize(opaque, target);
            return ToRgb(resized);
        }

        return ToRgb(opaque);
    }

    /// <summary>
    /// Centre-crops <paramref name="image"/> to its largest square and resizes that to
    /// <paramref name="size"/>×<paramref name="size"/> with <see cref="ResizeSampling"/>.
    /// </summary>
    public static RgbImage CenterCropResize(RgbImage image, int size)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        using var bitmap = new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var rgba = new byte[image.Width * image.Height * 4];
        var rgb = image.Rgb;
        for (int p = 0, n = image.Width * image.Height; p < n; p++)
        {
            rgba[(p * 4) + 0] = rgb[(p * 3) + 0];
            rgba[(p * 4) + 1] = rgb[(p * 3) + 1];
            rgba[(p * 4) + 2] = rgb[(p * 3) + 2];
            rgba[(p * 4) + 3] = 255;
        }

        Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        bitmap.NotifyPixelsChanged();

        using var resized = CropResize(bitmap, size);
        return ToRgb(resized);
    }

    private static SKBitmap CompositeOnWhite(SKBitmap decoded)
    {
        var result = new SKBitmap(new SKImageInfo(decoded.Width, decoded.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        try
        {
            using var canvas = new SKCanvas(result);
            canvas.Clear(SKColors.White);
            canvas.DrawBitmap(decoded, 0, 0, new SKSamplingOptions(SKFilterMode.Nearest), paint: null); // 1:1, no filtering
            canvas.Flush();
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    private static SKBitmap CropResize(SKBitmap source, int size)
    {
        int side = Math.Min(source.Width, source.Height);
        int left = (source.Width - side) / 2;
        int top = (source.Height - side) / 2;
        using var square = new SKBitmap();
        if (!source.ExtractSubset(square, SKRectI.Create(left, top, side, side)))
        {
            throw new InvalidOperationException("could not take the centre square of the image");
        }

        if (side == size)
        {
            return square.Copy(SKColorType.Rgba8888);
        }

        var result = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
        try
        {
            using var canvas = new SKCanvas(result);
            canvas.Clear(SKColors.White);
            using var image = SKImage.FromBitmap(square);
            canvas.DrawImage(image, SKRect.Create(side, side), SKRect.Create(size, size), ResizeSampling, paint: null);
            canvas.Flush();
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    private static RgbImage ToRgb(SKBitmap bitmap)
    {
        if (bitmap.ColorType != SKColorType.Rgba8888)
        {
            throw new InvalidOperationException($"expected an RGBA8888 bitmap, got {bitmap.ColorType}");
        }

        int width = bitmap.Width;
        int height = bitmap.Height;
        var rgb = new byte[width * height * 3];
        ReadOnlySpan<byte> pixels = bitmap.GetPixelSpan();
        int rowBytes = bitmap.RowBytes;
        for (int y = 0; y < height; y++)
        {
            var row = pixels.Slice(y * rowBytes, width * 4);
            for (int x = 0; x < width; x++)
            {
                int o = ((y * width) + x) * 3;
                rgb[o] = row[x * 4];
                rgb[o + 1] = row[(x * 4) + 1];
                rgb[o + 2] = row[(x * 4) + 2];
            }
        }

        return new RgbImage(width, height, rgb);
    }
}
