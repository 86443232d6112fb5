using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Chats.Core.Guidance;
using Chats.Core.Schedulers;

namespace Chats.Training.Shapes;

/// <summary>
/// <c>summary.json</c> beside a generated <c>pairs.jsonl</c>: the settings that regenerate the data exactly, and what
/// the judge found, per category (SPEC §2 names, SPEC order) and overall.
/// </summary>
public sealed record ShapesPairsSummary
{
    /// <summary>The file name, in the pairs folder.</summary>
    public const string FileName = "summary.json";

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,

        // Keeps the seed rule's '+' and the model path readable; control characters and quotes are still escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The sampled pipeline folder.</summary>
    public required string Model { get; init; }

    /// <summary>The guidance mode the images were sampled with (always CFG: the base model has one UNet).</summary>
    public GuidanceMode Mode { get; init; } = GuidanceMode.Cfg;

    /// <summary>Guidance scale s in the paper's convention (diffusers' w = s + 1).</summary>
    public float GuidanceScale { get; init; }

    /// <summary>Sampling steps.</summary>
    public int Steps { get; init; }

    /// <summary>The scheduler the pipeline used (its default).</summary>
    public SchedulerKind Scheduler { get; init; }

    /// <summary>Image width in pixels.</summary>
    public int Width { get; init; }

    /// <summary>Image height in pixels.</summary>
    public int Height { get; init; }

    /// <summary>Prompts drawn.</summary>
    public int Prompts { get; init; }

    /// <summary>Images per prompt (K) in the first round, and per request in later rounds.</summary>
    public int ImagesPerPrompt { get; init; }

    /// <summary>The per-category pair target that extra rounds sampled towards (0: none).</summary>
    public int MinPairsPerCategory { get; init; }

    /// <summary>The cap on one prompt's images over all rounds (K when there were no extra rounds).</summary>
    public int MaxImagesPerPrompt { get; init; }

    /// <summary>Sampling rounds run, the first included.</summary>
    public int Rounds { get; init; } = 1;

    /// <summary>Seed of the prompt draws and the base of the noise seeds.</summary>
    public int Seed { get; init; }

    /// <summary>How the noise seeds follow from <see cref="Seed"/>, for whoever regenerates an image by hand.</summary>
    public string SeedRule { get; init; } =
        $"prompt p (0-based) image j (0-based over all rounds) has noise seed seed * {ShapesPairsOptions.SeedStride} + p * images_per_prompt + j for j < images_per_prompt, "
        + $"else seed * {ShapesPairsOptions.SeedStride} + prompts * images_per_prompt + p * (max_images_per_prompt - images_per_prompt) + (j - images_per_prompt)";

    /// <summary>Counts per category, keyed by the category's SPEC name (<c>single_object</c>, ...), in SPEC order.</summary>
    public required IReadOnlyDictionary<string, ShapesPairsCounts> Categories { get; init; }

    /// <summary>Counts over all categories.</summary>
    public required ShapesPairsCounts Total { get; init; }

    /// <summary>Reads <c>summary.json</c> from <paramref name="folder"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a summary.</exception>
    public static ShapesPairsSummary Load(string folder)
    {
        string path = Path.Combine(folder, FileName);
        try
        {
            return JsonSerializer.Deserialize<ShapesPairsSummary>(File.ReadAllText(path), s_json)
                ?? throw new InvalidDataException($"{path}: empty summary");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Writes <c>summary.json</c> into <paramref name="folder"/>.</summary>
    public void Save(string folder) => File.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, s_json) + "\n");
}
