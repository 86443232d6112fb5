using System.Text.Json;
using Chats.Core.Guidance;
using Chats.Core.Sampling;

namespace Chats.Core.Loading;

/// <summary>
/// <c>sampling_defaults.json</c>, an optional file of a pipeline folder: the guidance scale per mode and the α that
/// requests without their own get — e.g. what the ShapesEval lab's guidance rule chose for the shipped models.
/// <c>{"guidance_scale": {"cfg": 1.0, "chats": 3.0}, "alpha": 0.5}</c>; modes are <c>cfg</c>, <c>chats</c>, <c>chats_full</c>.
/// </summary>
public static class SamplingDefaultsFile
{
    /// <summary>The file name inside the pipeline folder.</summary>
    public const string FileName = "sampling_defaults.json";

    /// <summary><paramref name="limits"/> with the folder's defaults applied (unchanged when the folder has no such file).</summary>
    /// <exception cref="InvalidDataException">The file is not valid JSON or names an unknown mode.</exception>
    public static SamplingLimits Apply(string pipelineFolder, SamplingLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        string path = Path.Combine(pipelineFolder, FileName);
        if (!File.Exists(path))
        {
            return limits;
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            var scales = new Dictionary<GuidanceMode, float>(limits.DefaultGuidanceScales);
            if (root.TryGetProperty("guidance_scale", out var perMode))
            {
                foreach (var entry in perMode.EnumerateObject())
                {
                    var mode = entry.Name switch
                    {
                        "cfg" => GuidanceMode.Cfg,
                        "chats" => GuidanceMode.Chats,
                        "chats_full" => GuidanceMode.ChatsFull,
                        _ => throw new InvalidDataException($"{path}: unknown mode '{entry.Name}' in guidance_scale (cfg, chats, chats_full)"),
                    };
                    scales[mode] = entry.Value.GetSingle();
                }
            }

            float alpha = root.TryGetProperty("alpha", out var a) ? a.GetSingle() : limits.DefaultAlpha;
            return limits with { DefaultGuidanceScales = scales, DefaultAlpha = alpha };
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }
}
