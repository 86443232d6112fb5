namespace Chats.Training.Shapes;

/// <summary>
/// Draws scenes for prompts (SPEC §1): sizes uniform in 12..18, boxes inside the canvas with a 2 px margin and
/// at least 2 px apart, placed by rejection sampling. Choices where SPEC leaves freedom:
/// <list type="bullet">
/// <item>every category draws exactly the named objects: one for single_object and colors, two for two_object,
/// position and color_attr, N objects of the shape (and nothing else) for counting;</item>
/// <item>colors not named in the prompt are drawn uniformly from the six, independently per object;</item>
/// <item>position scenes are resampled until the relation holds between the two objects' pixel centroids,
/// computed exactly as the scorer computes them.</item>
/// </list>
/// All randomness comes from the caller's <see cref="Random"/>, in a fixed order, so a seed fixes the scene.
/// </summary>
public static class ShapesRenderer
{
    /// <summary>Smallest object side.</summary>
    public const int MinSize = 12;

    /// <summary>Largest object side.</summary>
    public const int MaxSize = 18;

    /// <summary>Minimal distance between a box and the canvas edge.</summary>
    public const int Margin = 2;

    /// <summary>Minimal distance between two boxes.</summary>
    public const int Gap = 2;

    private const int MaxAttempts = 10_000;

    /// <summary>Draws a random scene that is correct for <paramref name="prompt"/>.</summary>
    public static ShapesScene Render(ShapesPrompt prompt, Random rng)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(rng);
        var wanted = Wanted(prompt, rng);
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var objects = TryPlace(wanted, rng);
            if (objects is null)
            {
                continue;
            }

            if (prompt.Category == ShapesCategory.Position)
            {
                var (ax, ay) = objects[0].Centroid();
                var (bx, by) = objects[1].Centroid();
                if (!ShapesVocabulary.RelationHolds(prompt.Relation!.Value, ax, ay, bx, by))
                {
                    continue;
                }
            }

            return new ShapesScene(objects);
        }

        throw new InvalidOperationException($"could not place a scene for '{prompt.ToText()}' in {MaxAttempts} attempts");
    }

    /// <summary>Rasterises a scene: white background, flat fill, no anti-aliasing. Returns 64·64·3 RGB bytes, row-major.</summary>
    public static byte[] RenderRgb(ShapesScene scene)
    {
        ArgumentNullException.ThrowIfNull(scene);
        const int width = ShapesVocabulary.Width;
        const int height = ShapesVocabulary.Height;
        var rgb = new byte[width * height * 3];
        Array.Fill(rgb, (byte)255);
        foreach (var o in scene.Objects)
        {
            var (r, g, b) = ShapesVocabulary.Rgb(o.Color);
            for (int y = Math.Max(0, o.Y); y < Math.Min(height, o.Y + o.Size); y++)
            {
                for (int x = Math.Max(0, o.X); x < Math.Min(width, o.X + o.Size); x++)
                {
                    if (o.Contains(x, y))
                    {
                        int i = ((y * width) + x) * 3;
                        rgb[i] = r;
                        rgb[i + 1] = g;
                        rgb[i + 2] = b;
                    }
                }
            }
        }

        return rgb;
    }

    private static List<(ShapeKind Kind, ShapeColor Color)> Wanted(ShapesPrompt prompt, Random rng)
    {
        ShapeColor Any() => ShapesVocabulary.Colors[rng.Next(ShapesVocabulary.Colors.Count)];
        return prompt.Category switch
        {
            ShapesCategory.SingleObject => [(prompt.Shape1, Any())],
            ShapesCategory.TwoObject or ShapesCategory.Position => [(prompt.Shape1, Any()), (prompt.Shape2!.Value, Any())],
            ShapesCategory.Counting => [.. Enumerable.Range(0, prompt.Count!.Value).Select(_ => (prompt.Shape1, Any()))],
            ShapesCategory.Colors => [(prompt.Shape1, prompt.Color1!.Value)],
            ShapesCategory.ColorAttr => [(prompt.Shape1, prompt.Color1!.Value), (prompt.Shape2!.Value, prompt.Color2!.Value)],
            _ => throw new ArgumentOutOfRangeException(nameof(prompt), prompt.Category, "not a ShapesEval category"),
        };
    }

    private static List<SceneObject>? TryPlace(List<(ShapeKind Kind, ShapeColor Color)> wanted, Random rng)
    {
        var placed = new List<SceneObject>(wanted.Count);
        foreach (var (kind, color) in wanted)
        {
            int size = rng.Next(MinSize, MaxSize + 1);
            SceneObject? fit = null;
            for (int tries = 0; tries < 100 && fit is null; tries++)
            {
                int x = rng.Next(Margin, ShapesVocabulary.Width - Margin - size + 1);
                int y = rng.Next(Margin, ShapesVocabulary.Height - Margin - size + 1);
                var candidate = new SceneObject(kind, color, x, y, size);
                if (placed.TrueForAll(p => p.IsApartFrom(candidate, Gap)))
                {
                    fit = candidate;
                }
            }

            if (fit is null)
            {
                return null;
            }

            placed.Add(fit);
        }

        return placed;
    }
}
