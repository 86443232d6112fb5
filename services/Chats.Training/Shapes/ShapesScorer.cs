namespace Chats.Training.Shapes;

/// <summary>
/// The ShapesEval scorer: detection (SPEC §3) and the per-category judgement (SPEC §2).
/// Where SPEC leaves freedom: a pixel equally near two references takes the first in the order
/// red, yellow, green, blue, purple, black, white; all thresholds are evaluated in exact integer arithmetic.
/// </summary>
public static class ShapesScorer
{
    /// <summary>A label is assigned when the nearest reference is closer than this (Euclidean RGB distance).</summary>
    public const int MaxColorDistance = 80;

    /// <summary>Components with fewer pixels are discarded.</summary>
    public const int MinPixels = 20;

    private const int Background = -1;

    /// <summary>Finds the objects of an RGB image (row-major, 3 bytes per pixel), ordered by first pixel.</summary>
    public static IReadOnlyList<DetectedObject> Detect(ReadOnlySpan<byte> rgb, int width = ShapesVocabulary.Width, int height = ShapesVocabulary.Height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        int n = width * height;
        if (rgb.Length != n * 3)
        {
            throw new ArgumentException($"expected {n * 3} RGB bytes for {width}x{height}, got {rgb.Length}", nameof(rgb));
        }

        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = Label(rgb[3 * i], rgb[(3 * i) + 1], rgb[(3 * i) + 2]);
        }

        var objects = new List<DetectedObject>();
        var visited = new bool[n];
        var stack = new Stack<int>();
        for (int start = 0; start < n; start++)
        {
            int label = labels[start];
            if (label == Background || visited[start])
            {
                continue;
            }

            // Flood fill one 4-connected component of this label.
            long sumX = 0, sumY = 0;
            int count = 0, minX = int.MaxValue, minY = int.MaxValue, maxX = -1, maxY = -1;
            visited[start] = true;
            stack.Push(start);
            while (stack.Count > 0)
            {
                int p = stack.Pop();
                int x = p % width, y = p / width;
                count++;
                sumX += x;
                sumY += y;
                minX = Math.Min(minX, x);
                maxX = Math.Max(maxX, x);
                minY = Math.Min(minY, y);
                maxY = Math.Max(maxY, y);
                if (x > 0)
                {
                    Visit(p - 1);
                }

                if (x < width - 1)
                {
                    Visit(p + 1);
                }

                if (y > 0)
                {
                    Visit(p - width);
                }

                if (y < height - 1)
                {
                    Visit(p + width);
                }
            }

            if (count < MinPixels)
            {
                continue;
            }

            var shape = Classify(maxX - minX + 1, maxY - minY + 1, count);
            if (shape is { } kind)
            {
                objects.Add(new DetectedObject(
                    kind, ShapesVocabulary.Colors[label], count, (double)sumX / count, (double)sumY / count, start));
            }

            void Visit(int q)
            {
                if (!visited[q] && labels[q] == label)
                {
                    visited[q] = true;
                    stack.Push(q);
                }
            }
        }

        return objects;
    }

    /// <summary>
    /// The shape of a component with bounding box <paramref name="w"/> x <paramref name="h"/> and
    /// <paramref name="pixels"/> pixels, or null when unknown (SPEC §3 step 3).
    /// </summary>
    public static ShapeKind? Classify(int w, int h, int pixels)
    {
        // 0.6 <= w/h <= 1.6
        if (5 * w < 3 * h || 5 * w > 8 * h)
        {
            return null;
        }

        // r = a / (w h), compared as 100 a against threshold·100·w h.
        long a100 = 100L * pixels;
        long area = (long)w * h;
        return a100 >= 88 * area ? ShapeKind.Square
            : a100 >= 66 * area ? ShapeKind.Circle
            : a100 >= 35 * area ? ShapeKind.Triangle
            : null;
    }

    /// <summary>
    /// The color label of a pixel: index into <see cref="ShapesVocabulary.Colors"/>, or -1 for background
    /// (nearest reference is white, or no reference closer than 80).
    /// </summary>
    public static int Label(byte r, byte g, byte b)
    {
        int best = Background;
        int bestDistance = int.MaxValue;
        for (int k = 0; k < ShapesVocabulary.Colors.Count; k++)
        {
            var (cr, cg, cb) = ShapesVocabulary.Rgb(ShapesVocabulary.Colors[k]);
            int d = Square(r - cr) + Square(g - cg) + Square(b - cb);
            if (d < bestDistance)
            {
                best = k;
                bestDistance = d;
            }
        }

        int white = Square(r - 255) + Square(g - 255) + Square(b - 255);
        if (white < bestDistance)
        {
            return Background;
        }

        return bestDistance < MaxColorDistance * MaxColorDistance ? best : Background;
    }

    /// <summary>The largest object of <paramref name="shape"/> (ties: first pixel first), or null when there is none.</summary>
    public static DetectedObject? Largest(IReadOnlyList<DetectedObject> objects, ShapeKind shape)
    {
        ArgumentNullException.ThrowIfNull(objects);
        DetectedObject? best = null;
        foreach (var o in objects)
        {
            if (o.Shape == shape && (best is null || o.PixelCount > best.PixelCount
                || (o.PixelCount == best.PixelCount && o.FirstPixelIndex < best.FirstPixelIndex)))
            {
                best = o;
            }
        }

        return best;
    }

    /// <summary>Whether detected <paramref name="objects"/> make an image correct for <paramref name="prompt"/> (SPEC §2 table).</summary>
    public static bool Judge(ShapesPrompt prompt, IReadOnlyList<DetectedObject> objects)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(objects);
        var a = Largest(objects, prompt.Shape1);
        switch (prompt.Category)
        {
            case ShapesCategory.SingleObject:
                return a is not null;
            case ShapesCategory.TwoObject:
                return a is not null && Largest(objects, prompt.Shape2!.Value) is not null;
            case ShapesCategory.Counting:
                return objects.Count(o => o.Shape == prompt.Shape1) == prompt.Count!.Value;
            case ShapesCategory.Colors:
                return a is not null && a.Color == prompt.Color1!.Value;
            case ShapesCategory.Position:
            {
                var b = Largest(objects, prompt.Shape2!.Value);
                return a is not null && b is not null
                    && ShapesVocabulary.RelationHolds(prompt.Relation!.Value, a.CentroidX, a.CentroidY, b.CentroidX, b.CentroidY);
            }

            case ShapesCategory.ColorAttr:
            {
                var b = Largest(objects, prompt.Shape2!.Value);
                return a is not null && b is not null && a.Color == prompt.Color1!.Value && b.Color == prompt.Color2!.Value;
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(prompt), prompt.Category, "not a ShapesEval category");
        }
    }

    /// <summary>Detects and judges in one call.</summary>
    public static bool Judge(ShapesPrompt prompt, ReadOnlySpan<byte> rgb, int width = ShapesVocabulary.Width, int height = ShapesVocabulary.Height) =>
        Judge(prompt, Detect(rgb, width, height));

    private static int Square(int v) => v * v;
}
