using System.Globalization;
using System.Text.Json;

namespace Chats.Tools;

/// <summary>
/// The call settings of an end-to-end reference case, from its safetensors metadata: <c>__metadata__.case</c> is a JSON
/// text whose inner <c>case</c> object holds <c>steps</c>, <c>guidance</c> (diffusers' w), <c>alpha</c>, <c>h</c> and
/// <c>w</c> (pixels), as diffusers-reference-sd3's generator writes them.
/// </summary>
/// <param name="Steps">Denoising steps.</param>
/// <param name="GuidanceScale">diffusers' guidance scale w (CFG: s = w − 1; CHATS: s = w − 1 as well, see the fixture README).</param>
/// <param name="Alpha">CHATS α (ignored by CFG).</param>
/// <param name="Width">Image width in pixels.</param>
/// <param name="Height">Image height in pixels.</param>
public sealed record PipelineCaseSettings(int Steps, float GuidanceScale, float Alpha, int Width, int Height)
{
    /// <summary>Reads the settings from a case file's metadata.</summary>
    /// <param name="metadata">The file's <c>__metadata__</c> map.</param>
    /// <param name="source">The file, for messages.</param>
    /// <exception cref="InvalidDataException">The metadata has no case settings, or one is missing or out of range.</exception>
    public static PipelineCaseSettings Parse(IReadOnlyDictionary<string, string> metadata, string source)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (!metadata.TryGetValue("case", out string? text))
        {
            throw new InvalidDataException($"{source}: the metadata has no 'case' entry (the call settings of an end-to-end case)");
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            var settings = root.TryGetProperty("case", out var inner) && inner.ValueKind == JsonValueKind.Object ? inner : root;
            int Int(string name) => Property(settings, name, source).GetInt32();
            float Float(string name) => Property(settings, name, source).GetSingle();
            var parsed = new PipelineCaseSettings(
                Int("steps"),
                Float("guidance"),
                settings.TryGetProperty("alpha", out var alpha) ? alpha.GetSingle() : 0f,
                Int("w"),
                Int("h"));
            if (parsed.Steps < 1 || parsed.Width < 1 || parsed.Height < 1 || !float.IsFinite(parsed.GuidanceScale) || !float.IsFinite(parsed.Alpha))
            {
                throw new InvalidDataException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{source}: case settings out of range (steps {parsed.Steps}, w {parsed.Width}, h {parsed.Height}, guidance {parsed.GuidanceScale}, alpha {parsed.Alpha})"));
            }

            return parsed;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"{source}: the metadata's 'case' is not the JSON of an end-to-end case: {e.Message}", e);
        }
    }

    private static JsonElement Property(JsonElement settings, string name, string source)
        => settings.TryGetProperty(name, out var value)
            ? value
            : throw new InvalidDataException($"{source}: the case settings have no '{name}'");
}
