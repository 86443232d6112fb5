using System.Runtime.InteropServices;
using Chats.Training.Data;
using SkiaSharp;

namespace Chats.Training.Shapes;

/// <summary>
/// An image grid like the CHATS paper's Fig. 4: one row per prompt (its text at the left), one column per method (its
/// name on top), each cell that method's <c>{id}_s{seed}.png</c> upscaled by whole pixels (nearest neighbour, so what
/// the model drew is shown, not a smoothed version of it). Geometry: <see cref="ShapesGridLayout"/>.
/// </summary>
public static class ShapesImageGrid
{
    private const float TextSize = 16;
    private const int LabelPadding = 10;

    /// <summary>
    /// The entries of <paramref name="ids"/>, in that order. Throws <see cref="ArgumentException"/> naming the ids that
    /// are not in <paramref name="entries"/>.
    /// </summary>
    public static IReadOnlyList<ShapesEvalEntry> SelectRows(IReadOnlyList<ShapesEvalEntry> entries, IReadOnlyList<string> ids)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(ids);
        var byId = entries.ToDictionary(e => e.Id, StringComparer.Ordinal);
        string[] unknown = [.. ids.Where(id => !byId.ContainsKey(id))];
        if (unknown.Length > 0)
        {
            throw new ArgumentException($"not in the prompt set: {string.Join(", ", unknown)}", nameof(ids));
        }

        return [.. ids.Select(id => byId[id])];
    }

    /// <summary>
    /// Draws the grid and returns it as PNG bytes. Every image is checked before drawing: a missing one throws
    /// <see cref="FileNotFoundException"/> whose message names it (and how many others are missing), an unreadable one
    /// or one that is not 64×64 throws <see cref="InvalidDataException"/> naming it.
    /// </summary>
    public static byte[] RenderPng(IReadOnlyList<ShapesEvalEntry> rows, IReadOnlyList<ShapesGridColumn> columns, int seed, ShapesGridLayout layout)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(layout);
        layout.Validate();
        if (rows.Count == 0 || columns.Count == 0)
        {
            throw new ArgumentException($"a grid needs at least one row and one column (got {rows.Count} rows, {columns.Count} columns)");
        }

        var images = LoadImages(rows, columns, seed);
        using var bitmap = new SKBitmap(new SKImageInfo(layout.Width(columns.Count), layout.Height(rows.Count), SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            DrawText(canvas, rows, columns, layout);
            canvas.Flush();
        }

        // Written into the pixels after the canvas is done: an exact copy, whatever Skia's sampling would do.
        for (int r = 0; r < rows.Count; r++)
        {
            for (int c = 0; c < columns.Count; c++)
            {
                CopyUpscaled(images[r, c], bitmap, layout.CellLeft(c), layout.CellTop(r), layout.Scale);
            }
        }

        bitmap.NotifyPixelsChanged();
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    private static RgbImage[,] LoadImages(IReadOnlyList<ShapesEvalEntry> rows, IReadOnlyList<ShapesGridColumn> columns, int seed)
    {
        var paths = new string[rows.Count, columns.Count];
        var missing = new List<string>();
        for (int r = 0; r < rows.Count; r++)
        {
            for (int c = 0; c < columns.Count; c++)
            {
                paths[r, c] = Path.Combine(columns[c].Folder, rows[r].ImageFileName(seed));
                if (!File.Exists(paths[r, c]))
                {
                    missing.Add(paths[r, c]);
                }
            }
        }

        if (missing.Count > 0)
        {
            string more = missing.Count > 1 ? $" (and {missing.Count - 1} more missing image(s))" : string.Empty;
            throw new FileNotFoundException($"{missing[0]}: image missing{more}", missing[0]);
        }

        var images = new RgbImage[rows.Count, columns.Count];
        for (int r = 0; r < rows.Count; r++)
        {
            for (int c = 0; c < columns.Count; c++)
            {
                RgbImage image;
                try
                {
                    image = RgbImageDecoder.Decode(File.ReadAllBytes(paths[r, c]));
                }
                catch (InvalidDataException e)
                {
                    throw new InvalidDataException($"{paths[r, c]}: {e.Message}", e);
                }

                if (image.Width != ShapesVocabulary.Width || image.Height != ShapesVocabulary.Height)
                {
                    throw new InvalidDataException(
                        $"{paths[r, c]}: {image.Width}x{image.Height}, expected {ShapesVocabulary.Width}x{ShapesVocabulary.Height} (SPEC §4)");
                }

                images[r, c] = image;
            }
        }

        return images;
    }

    private static void DrawText(SKCanvas canvas, IReadOnlyList<ShapesEvalEntry> rows, IReadOnlyList<ShapesGridColumn> columns, ShapesGridLayout layout)
    {
        using var font = new SKFont(LabText.Regular, TextSize);
        using var text = new SKPaint { Color = new SKColor(0x20, 0x20, 0x20), IsAntialias = true };
        using var frame = new SKPaint { Color = new SKColor(0xc0, 0xc0, 0xc0), StrokeWidth = 1, Style = SKPaintStyle.Stroke, IsAntialias = false };
        int cell = layout.CellSize;
        for (int c = 0; c < columns.Count; c++)
        {
            // A header wider than its column (and gap) is drawn smaller rather than over its neighbours.
            float available = cell + layout.Gap;
            float measured = font.MeasureText(columns[c].Header);
            using var headerFont = new SKFont(LabText.Regular, measured > available ? Math.Max(8, TextSize * available / measured) : TextSize);
            canvas.DrawText(columns[c].Header, layout.CellLeft(c) + (cell / 2f), layout.HeaderHeight - 11, SKTextAlign.Center, headerFont, text);
        }

        for (int r = 0; r < rows.Count; r++)
        {
            var lines = LabText.Wrap(rows[r].Prompt.ToText(), font, layout.LabelWidth - (2 * LabelPadding));
            float lineHeight = font.Spacing;
            float top = layout.CellTop(r) + ((cell - (lines.Count * lineHeight)) / 2) - font.Metrics.Ascent;
            for (int i = 0; i < lines.Count; i++)
            {
                canvas.DrawText(lines[i], LabelPadding, top + (i * lineHeight), SKTextAlign.Left, font, text);
            }

            if (layout.Gap >= 2)
            {
                for (int c = 0; c < columns.Count; c++)
                {
                    // Half-pixel edges: the 1-pixel stroke covers exactly the pixel rows and columns just outside the cell.
                    float left = layout.CellLeft(c) - 0.5f, y = layout.CellTop(r) - 0.5f;
                    canvas.DrawRect(new SKRect(left, y, left + cell + 1, y + cell + 1), frame);
                }
            }
        }
    }

    private static void CopyUpscaled(RgbImage image, SKBitmap target, int left, int top, int scale)
    {
        var row = new byte[image.Width * scale * 4];
        IntPtr pixels = target.GetPixels();
        for (int y = 0; y < image.Height; y++)
        {
            for (int x = 0; x < image.Width; x++)
            {
                int source = ((y * image.Width) + x) * 3;
                for (int k = 0; k < scale; k++)
                {
                    int o = ((x * scale) + k) * 4;
                    row[o] = image.Rgb[source];
                    row[o + 1] = image.Rgb[source + 1];
                    row[o + 2] = image.Rgb[source + 2];
                    row[o + 3] = 255;
                }
            }

            for (int k = 0; k < scale; k++)
            {
                long offset = ((long)((y * scale) + k + top) * target.RowBytes) + (left * 4L);
                Marshal.Copy(row, 0, pixels + (nint)offset, row.Length);
            }
        }
    }
}
