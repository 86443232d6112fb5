using System.Text.Json;

namespace Chats.Training.Shapes;

/// <summary>The evaluation protocol of SPEC §4: loading a prompt set, noise seeds and file names.</summary>
public static class ShapesEvalSet
{
    /// <summary>The evaluation seeds (0, 1, 2, 3).</summary>
    public static IReadOnlyList<int> Seeds { get; } = [0, 1, 2, 3];

    /// <summary>
    /// Reads a JSONL file of <c>{"id", "category", "prompt"}</c> objects, in order. Blank lines are skipped and do
    /// not count as entries; the line index of an entry is its 0-based position among the entries. Throws
    /// <see cref="FormatException"/> naming the file and line when a line is malformed, a prompt is outside the grammar,
    /// its category disagrees with the prompt, or an id repeats.
    /// </summary>
    public static IReadOnlyList<ShapesEvalEntry> Load(string jsonlPath)
    {
        ArgumentNullException.ThrowIfNull(jsonlPath);
        var entries = new List<ShapesEvalEntry>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        int fileLine = 0;
        foreach (string line in File.ReadLines(jsonlPath))
        {
            fileLine++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                string id = root.GetProperty("id").GetString() ?? throw new FormatException("id is null");
                var category = ShapesVocabulary.ParseCategory(root.GetProperty("category").GetString() ?? "");
                var prompt = ShapesPrompt.Parse(root.GetProperty("prompt").GetString() ?? "");
                if (prompt.Category != category)
                {
                    throw new FormatException(
                        $"prompt '{prompt.ToText()}' is {ShapesVocabulary.CategoryName(prompt.Category)}, not {ShapesVocabulary.CategoryName(category)}");
                }

                if (!ids.Add(id))
                {
                    throw new FormatException($"id '{id}' repeats");
                }

                entries.Add(new ShapesEvalEntry(entries.Count, id, category, prompt));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new FormatException($"{jsonlPath}:{fileLine}: {e.Message}", e);
            }
        }

        return entries;
    }

    /// <summary>The seed of the initial noise of the entry on line <paramref name="lineIndex"/> (0-based) for evaluation seed <paramref name="seed"/>: <c>seed * 100000 + lineIndex</c>.</summary>
    public static int NoiseSeed(int seed, int lineIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(seed);
        ArgumentOutOfRangeException.ThrowIfNegative(lineIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(lineIndex, 100_000);
        return checked((seed * 100_000) + lineIndex);
    }

    /// <summary>The image file name <c>{id}_s{seed}.png</c>.</summary>
    public static string ImageFileName(string id, int seed)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return $"{id}_s{seed}.png";
    }
}
