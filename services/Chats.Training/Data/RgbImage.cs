namespace Chats.Training.Data;

/// <summary>
/// A decoded 8-bit RGB image: row-major, interleaved R, G, B bytes, no alpha, no padding between rows.
/// </summary>
public sealed record RgbImage
{
    /// <summary>Wraps <paramref name="rgb"/> (not copied); its length must be <paramref name="width"/>·<paramref name="height"/>·3.</summary>
    public RgbImage(int width, int height, byte[] rgb)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentNullException.ThrowIfNull(rgb);
        if (rgb.Length != (long)width * height * 3)
        {
            throw new ArgumentException($"expected {(long)width * height * 3} RGB bytes for {width}x{height}, got {rgb.Length}", nameof(rgb));
        }

        Width = width;
        Height = height;
        Rgb = rgb;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Interleaved RGB bytes, <see cref="Width"/>·<see cref="Height"/>·3 of them.</summary>
    public byte[] Rgb { get; }

    /// <summary>The pixel at column <paramref name="x"/>, row <paramref name="y"/>.</summary>
    public (byte R, byte G, byte B) GetPixel(int x, int y)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(x);
        ArgumentOutOfRangeException.ThrowIfNegative(y);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(x, Width);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(y, Height);
        int i = ((y * Width) + x) * 3;
        return (Rgb[i], Rgb[i + 1], Rgb[i + 2]);
    }
}
