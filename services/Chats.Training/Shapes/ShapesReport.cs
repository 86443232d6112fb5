using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Chats.Training.Shapes;

/// <summary>
/// Scores of a prompt set (SPEC §2): for each seed, each category's accuracy (fraction judged correct); each category's
/// percentage is the mean over seeds of its accuracy, and <see cref="OverallPercent"/> is the mean of the six
/// category percentages (GenEval's "Overall"; with the same entries under every seed this equals the mean over seeds of
/// each seed's overall). A report scored with prompt ids (<see cref="ShapesLab.ScoreFolder"/>) also keeps every prompt's
/// verdicts (<see cref="Prompts"/>), which <see cref="ShapesPairedBootstrap"/> resamples.
/// </summary>
public sealed class ShapesReport
{
    private ShapesReport(
        IReadOnlyDictionary<ShapesCategory, double> categoryPercent, double overallPercent, IReadOnlyList<int> seeds, int imageCount, IReadOnlyList<ShapesPromptResult>? prompts)
    {
        CategoryPercent = categoryPercent;
        OverallPercent = overallPercent;
        Seeds = seeds;
        ImageCount = imageCount;
        Prompts = prompts;
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
    /// Every prompt's verdicts, one per seed of <see cref="Seeds"/>, in the order the prompts were first judged (the
    /// prompt set's order for <see cref="ShapesLab.ScoreFolder"/>); null for reports made without prompt ids (older
    /// <c>lab score --json</c> files, hand-written tables).
    /// </summary>
    public IReadOnlyList<ShapesPromptResult>? Prompts { get; }

    /// <summary>
    /// The overall score of one seed alone: the mean over the six categories of that seed's accuracy. Needs
    /// <see cref="Prompts"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The report has no per-prompt verdicts.</exception>
    /// <exception cref="ArgumentException"><paramref name="seed"/> is not one of <see cref="Seeds"/>.</exception>
    public double SeedOverallPercent(int seed)
    {
        var prompts = Prompts ?? throw new InvalidOperationException("the report has no per-prompt verdicts (score the images again with this version's lab score --json)");
        int column = IndexOfSeed(seed);
        return ShapesVocabulary.Categories.Average(c =>
        {
            var inCategory = prompts.Where(p => p.Category == c).ToList();
            return 100.0 * inCategory.Count(p => p.Correct[column]) / inCategory.Count;
        });
    }

    private int IndexOfSeed(int seed)
    {
        for (int i = 0; i < Seeds.Count; i++)
        {
            if (Seeds[i] == seed)
            {
                return i;
            }
        }

        throw new ArgumentException($"seed {seed} is not among the report's seeds ({string.Join(", ", Seeds)})", nameof(seed));
    }

    /// <summary>
    /// Aggregates judgements. Every seed present must have judgements in all six categories; throws
    /// <see cref="ArgumentException"/> naming the first missing (seed, category) otherwise. When the judgements carry
    /// prompt ids (all of them or none), every prompt must be judged exactly once under every seed, always in one
    /// category, and the report keeps the verdicts in <see cref="Prompts"/>.
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

        return new ShapesReport(percent, percent.Values.Average(), seeds, images, PromptResults(judgements, seeds));
    }

    // Null when no judgement names its prompt; otherwise the complete prompt x seed grid, or an ArgumentException.
    private static List<ShapesPromptResult>? PromptResults(IEnumerable<ShapesJudgement> judgements, int[] seeds)
    {
        var order = new List<string>();
        var verdicts = new Dictionary<string, (ShapesCategory Category, Dictionary<int, bool> BySeed)>(StringComparer.Ordinal);
        bool anonymous = false;
        foreach (var j in judgements)
        {
            if (j.PromptId is not { } id)
            {
                anonymous = true;
                continue;
            }

            if (!verdicts.TryGetValue(id, out var prompt))
            {
                prompt = (j.Category, new Dictionary<int, bool>());
                verdicts[id] = prompt;
                order.Add(id);
            }

            if (prompt.Category != j.Category)
            {
                throw new ArgumentException(
                    $"prompt '{id}' is judged both as {ShapesVocabulary.CategoryName(prompt.Category)} and as {ShapesVocabulary.CategoryName(j.Category)}", nameof(judgements));
            }

            if (!prompt.BySeed.TryAdd(j.Seed, j.Correct))
            {
                throw new ArgumentException($"prompt '{id}' is judged twice under seed {j.Seed}", nameof(judgements));
            }
        }

        if (order.Count == 0)
        {
            return null;
        }

        if (anonymous)
        {
            throw new ArgumentException("some judgements name their prompt and some do not", nameof(judgements));
        }

        var results = new List<ShapesPromptResult>(order.Count);
        foreach (string id in order)
        {
            var bySeed = verdicts[id].BySeed;
            foreach (int seed in seeds)
            {
                if (!bySeed.ContainsKey(seed))
                {
                    throw new ArgumentException($"prompt '{id}' has no judgement under seed {seed}; per-prompt verdicts need every prompt under every seed", nameof(judgements));
                }
            }

            results.Add(new ShapesPromptResult(id, verdicts[id].Category, [.. seeds.Select(s => bySeed[s])]));
        }

        return results;
    }

    /// <summary>
    /// The largest difference, in percentage points, accepted between a stored overall score and the mean of its stored
    /// categories: hand-written files carry values rounded to one decimal, which moves the mean by up to 0.1.
    /// </summary>
    internal const double OverallTolerance = 0.1;

    /// <summary>
    /// The report as indented JSON: <c>{"overall": .., "categories": {"single_object": .., ...}, "seeds": [..], "images": N}</c>,
    /// categories in SPEC order under their <see cref="ShapesVocabulary.CategoryName"/>, percentages at full precision
    /// (shortest round-trip form) so <see cref="ParseJson"/> gives back identical numbers. With <see cref="Prompts"/>, a
    /// last field <c>"prompts": [{"id": .., "category": .., "correct": [true, false, ..]}, ..]</c> follows, one line per
    /// prompt, <c>correct</c> in the order of <c>seeds</c>.
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

        string text = Encoding.UTF8.GetString(buffer.ToArray());
        if (Prompts is { } prompts)
        {
            // One compact line per prompt, spliced in before the closing brace: an indented writer would spend a line
            // on every verdict, and it writes raw values without line breaks.
            var lines = prompts.Select(p => "    " + JsonSerializer.Serialize(new PromptLine(p.Id, ShapesVocabulary.CategoryName(p.Category), p.Correct)));
            text = text[..text.LastIndexOf('}')].TrimEnd() + ",\n  \"prompts\": [\n" + string.Join(",\n", lines) + "\n  ]\n}";
        }

        return text + "\n";
    }

    /// <summary>
    /// Reads JSON written by <see cref="ToJson"/>. Throws <see cref="FormatException"/> when a field is missing or of the
    /// wrong kind, a category is missing or unknown, a percentage lies outside [0, 100], or the overall score is not the
    /// mean of the categories (within 0.1 points, the rounding of hand-written files). The <c>prompts</c> field is
    /// optional (files written before it existed have none); when present, ids must be unique, each prompt must have one
    /// verdict per seed, the images must number prompts × seeds, and the verdicts must give the stored category
    /// percentages (within the same 0.1 points).
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

            var prompts = root.TryGetProperty("prompts", out var promptsElement) ? ParsePrompts(promptsElement, seeds.Length) : null;
            if (prompts is not null)
            {
                CheckPrompts(prompts, percent, seeds.Length, images);
            }

            return new ShapesReport(percent, overall, seeds, images, prompts);
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

    private static List<ShapesPromptResult> ParsePrompts(JsonElement element, int seedCount)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"'prompts' must be an array, got {element.ValueKind}");
        }

        var prompts = new List<ShapesPromptResult>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"'prompts' must hold objects, got {item.ValueKind}");
            }

            var idElement = Field(item, "id");
            string id = idElement.ValueKind == JsonValueKind.String && idElement.GetString() is { Length: > 0 } text
                ? text
                : throw new FormatException($"a prompt's 'id' must be a non-empty string, got {idElement.GetRawText()}");
            if (!ids.Add(id))
            {
                throw new FormatException($"prompt '{id}' repeats");
            }

            var categoryElement = Field(item, "category");
            var category = ShapesVocabulary.ParseCategory(categoryElement.ValueKind == JsonValueKind.String ? categoryElement.GetString()! : categoryElement.GetRawText());
            var correctElement = Field(item, "correct");
            if (correctElement.ValueKind != JsonValueKind.Array || correctElement.EnumerateArray().Any(v => v.ValueKind is not (JsonValueKind.True or JsonValueKind.False)))
            {
                throw new FormatException($"prompt '{id}': 'correct' must be an array of true / false, got {correctElement.GetRawText()}");
            }

            bool[] correct = [.. correctElement.EnumerateArray().Select(v => v.GetBoolean())];
            if (correct.Length != seedCount)
            {
                throw new FormatException($"prompt '{id}' has {correct.Length} verdicts for {seedCount} seeds");
            }

            prompts.Add(new ShapesPromptResult(id, category, correct));
        }

        return prompts;
    }

    private static void CheckPrompts(List<ShapesPromptResult> prompts, Dictionary<ShapesCategory, double> percent, int seedCount, int images)
    {
        if ((long)prompts.Count * seedCount != images)
        {
            throw new FormatException($"{prompts.Count} prompts x {seedCount} seeds are not the {images} images");
        }

        foreach (var category in ShapesVocabulary.Categories)
        {
            var inCategory = prompts.Where(p => p.Category == category).ToList();
            string name = ShapesVocabulary.CategoryName(category);
            if (inCategory.Count == 0)
            {
                throw new FormatException($"'prompts' has no {name} prompt");
            }

            // Every prompt has every seed, so the mean over seeds of each seed's accuracy is the mean over prompts.
            double fromPrompts = 100.0 * inCategory.Average(p => p.Accuracy);
            if (Math.Abs(fromPrompts - percent[category]) > OverallTolerance)
            {
                throw new FormatException(string.Create(
                    CultureInfo.InvariantCulture, $"{name} is {percent[category]} but its prompts' verdicts give {fromPrompts:F2}"));
            }
        }
    }

    private sealed record PromptLine(
        [property: System.Text.Json.Serialization.JsonPropertyName("id")] string Id,
        [property: System.Text.Json.Serialization.JsonPropertyName("category")] string Category,
        [property: System.Text.Json.Serialization.JsonPropertyName("correct")] IReadOnlyList<bool> Correct);

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
