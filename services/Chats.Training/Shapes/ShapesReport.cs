using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Chats.Training.Shapes;

/// <summary>
/// Scores of a prompt set (SPEC §2): for each seed, each category's accuracy (fraction judged correct); each category's
/// percentage is the mean over seeds of its accuracy, and <see cref="OverallPercent"/> is the mean of the six
/// category percentages (GenEval's "Overall"; with the same entries under every seed this equals the mean over seeds of
/// each seed's overall).
/// </summary>
public sealed class ShapesReport
{
    private ShapesReport(IReadOnlyDictionary<ShapesCategory, double> categoryPercent, double overallPercent, IReadOnlyList<int> seeds, int imageCount)
    {
        CategoryPercent = categoryPercent;
        OverallPercent = overallPercent;
        Seeds = seeds;
        ImageCount = imageCount;
    }

    /// <summary>Each category's accuracy, in percent, averaged over seeds.</summary>
    public IReadOnlyDictionary<ShapesCategory, double> CategoryPercent { get; }

    /// <summary>The mean of the six category percentages.</summary>
    public double OverallPercent { get; }

    /// <summary>The seeds the judgements came from, ascending.</summary>
    public IReadOnlyList<int> Seeds { get; }

    /// <summary>The number of judged images.</summary>
    public int ImageCount { get; }

    /// <summary>
    /// Aggregates judgements. Every seed present must have judgements in all six categories; throws
    /// <see cref="ArgumentException"/> naming the first missing (seed, category) otherwise.
    /// </summary>
    public static ShapesReport FromJudgements(IEnumerable<ShapesJudgement> judgements)
    {
        ArgumentNullException.ThrowIfNull(judgements);
        var counts = new Dictionary<(int Seed, ShapesCategory Category), (int Correct, int Total)>();
        int images = 0;
        foreach (var j in judgements)
        {
            counts.TryGetValue((j.Seed, j.Category), out var c);
            counts[(j.Seed, j.Category)] = (c.Correct + (j.Correct ? 1 : 0), c.Total + 1);
            images++;
        }

        if (images == 0)
        {
            throw new ArgumentException("no judgements to report", nameof(judgements));
        }

        int[] seeds = [.. counts.Keys.Select(k => k.Seed).Distinct().Order()];
        var percent = new Dictionary<ShapesCategory, double>();
        foreach (var category in ShapesVocabulary.Categories)
        {
            double sum = 0;
            foreach (int seed in seeds)
            {
                if (!counts.TryGetValue((seed, category), out var c))
                {
                    throw new ArgumentException(
                        $"seed {seed} has no {ShapesVocabulary.CategoryName(category)} judgements; the overall score needs all six categories",
                        nameof(judgements));
                }

                sum += (double)c.Correct / c.Total;
            }

            percent[category] = 100.0 * sum / seeds.Length;
        }

        return new ShapesReport(percent, percent.Values.Average(), seeds, images);
    }

    /// <summary>
    /// The largest difference, in percentage points, accepted between a stored overall score and the mean of its stored
    /// categories: hand-written files carry values rounded to one decimal, which moves the mean by up to 0.1.
    /// </summary>
    internal const double OverallTolerance = 0.1;

    /// <summary>
    /// The report as indented JSON: <c>{"overall": .., "categories": {"single_object": .., ...}, "seeds": [..], "images": N}</c>,
    /// categories in SPEC order under their <see cref="ShapesVocabulary.CategoryName"/>, percentages at full precision
    /// (shortest round-trip form) so <see cref="ParseJson"/> gives back identical numbers.
    /// </summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("overall", OverallPercent);
            json.WriteStartObject("categories");
            foreach (var category in ShapesVocabulary.Categories)
            {
                json.WriteNumber(ShapesVocabulary.CategoryName(category), CategoryPercent[category]);
            }

            json.WriteEndObject();
            json.WriteStartArray("seeds");
            foreach (int seed in Seeds)
            {
                json.WriteNumberValue(seed);
            }

            json.WriteEndArray();
            json.WriteNumber("images", ImageCount);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>
    /// Reads JSON written by <see cref="ToJson"/>. Throws <see cref="FormatException"/> when a field is missing or of the
    /// wrong kind, a category is missing or unknown, a percentage lies outside [0, 100], or the overall score is not the
    /// mean of the categories (within 0.1 points, the rounding of hand-written files).
    /// </summary>
    public static ShapesReport ParseJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"expected a JSON object, got {root.ValueKind}");
            }

            double overall = Percent(Field(root, "overall"), "overall");
            var categories = Field(root, "categories");
            if (categories.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"'categories' must be an object, got {categories.ValueKind}");
            }

            var percent = new Dictionary<ShapesCategory, double>();
            foreach (var property in categories.EnumerateObject())
            {
                var category = ShapesVocabulary.ParseCategory(property.Name);
                if (!percent.TryAdd(category, Percent(property.Value, property.Name)))
                {
                    throw new FormatException($"category '{property.Name}' repeats");
                }
            }

            foreach (var category in ShapesVocabulary.Categories)
            {
                if (!percent.ContainsKey(category))
                {
                    throw new FormatException($"category '{ShapesVocabulary.CategoryName(category)}' is missing");
                }
            }

            double mean = ShapesVocabulary.Categories.Average(c => percent[c]);
            if (Math.Abs(overall - mean) > OverallTolerance)
            {
                throw new FormatException(string.Create(
                    CultureInfo.InvariantCulture, $"overall {overall} is not the mean of the six categories ({mean:F2})"));
            }

            var seedsElement = Field(root, "seeds");
            if (seedsElement.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException($"'seeds' must be an array, got {seedsElement.ValueKind}");
            }

            int[] seeds = [.. seedsElement.EnumerateArray().Select(s => Integer(s, "seeds"))];
            int images = Integer(Field(root, "images"), "images");
            if (images < 0)
            {
                throw new FormatException($"'images' must not be negative, got {images}");
            }

            return new ShapesReport(percent, overall, seeds, images);
        }
        catch (JsonException e)
        {
            throw new FormatException($"not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>Reads a report file written by <see cref="ToJson"/>; a <see cref="FormatException"/> names the file.</summary>
    public static ShapesReport ReadJsonFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string json = File.ReadAllText(path);
        try
        {
            return ParseJson(json);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>One line: <c>single_object 56.3, two_object 25.0, ..., overall 21.9%</c> (invariant culture, one decimal).</summary>
    public string Format()
    {
        var text = new StringBuilder();
        foreach (var category in ShapesVocabulary.Categories)
        {
            text.Append(CultureInfo.InvariantCulture, $"{ShapesVocabulary.CategoryName(category)} {CategoryPercent[category]:F1}, ");
        }

        text.Append(CultureInfo.InvariantCulture, $"overall {OverallPercent:F1}%");
        return text.ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => Format();

    private static JsonElement Field(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) ? value : throw new FormatException($"'{name}' is missing");

    private static int Integer(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int integer)
            ? integer
            : throw new FormatException($"'{name}' must hold integers, got {value.ValueKind} {value.GetRawText()}");

    private static double Percent(JsonElement value, string name)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            throw new FormatException($"'{name}' must be a number, got {value.ValueKind} {value.GetRawText()}");
        }

        double percent = value.GetDouble();
        if (!(percent >= 0 && percent <= 100))
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"'{name}' is {percent}, not a percentage in [0, 100]"));
        }

        return percent;
    }
}
