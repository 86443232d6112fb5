using SkiaSharp;

namespace Chats.Training.Shapes;

/// <summary>
/// Text for the lab's charts and image grids: the typeface, and word wrapping. The typeface: The Linux native assets we ship (NoDependencies) are built without
/// fontconfig, so <see cref="SKTypeface.Default"/> there has no glyphs and text would silently draw nothing: the face is
/// loaded from a font file instead, and its absence is an error rather than an unlabelled figure.
/// </summary>
internal static class LabText
{
    /// <summary>An environment variable naming a .ttf/.otf file to use instead of the search below.</summary>
    public const string FontVariable = "CHATS_FONT";

    private static readonly string[] s_candidateFiles =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf",
        "/Library/Fonts/Arial.ttf",
        "/System/Library/Fonts/Supplemental/Arial.ttf",
        "C:\\Windows\\Fonts\\arial.ttf",
    ];

    private static readonly Lazy<SKTypeface> s_regular = new(Find);

    /// <summary>The typeface (found once per process, kept for its lifetime).</summary>
    public static SKTypeface Regular => s_regular.Value;

    /// <summary>Greedy word wrap to <paramref name="width"/> pixels; a single word wider than that gets a line of its own.</summary>
    public static List<string> Wrap(string text, SKFont font, float width)
    {
        var lines = new List<string>();
        string current = string.Empty;
        foreach (string word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = current.Length == 0 ? word : current + " " + word;
            if (current.Length > 0 && font.MeasureText(candidate) > width)
            {
                lines.Add(current);
                current = word;
            }
            else
            {
                current = candidate;
            }
        }

        if (current.Length > 0)
        {
            lines.Add(current);
        }

        return lines;
    }

    private static SKTypeface Find()
    {
        string? configured = Environment.GetEnvironmentVariable(FontVariable);
        if (!string.IsNullOrEmpty(configured))
        {
            return Load(configured)
                ?? throw new InvalidOperationException($"{FontVariable}={configured} is not a font file with glyphs");
        }

        foreach (string path in s_candidateFiles)
        {
            if (File.Exists(path) && Load(path) is { } typeface)
            {
                return typeface;
            }
        }

        // Native assets built with a system font manager (Windows, macOS, fontconfig) find fonts by name.
        foreach (string family in new[] { "DejaVu Sans", "Liberation Sans", "Arial", "Helvetica" })
        {
            var typeface = SKFontManager.Default.MatchFamily(family);
            if (typeface is { GlyphCount: > 0 })
            {
                return typeface;
            }

            typeface?.Dispose();
        }

        throw new InvalidOperationException(
            $"no font found for chart text: install DejaVu Sans (Debian: fonts-dejavu-core) or set {FontVariable} to a .ttf file");
    }

    private static SKTypeface? Load(string path)
    {
        var typeface = SKTypeface.FromFile(path);
        if (typeface is { GlyphCount: > 0 })
        {
            return typeface;
        }

        typeface?.Dispose();
        return null;
    }
}
