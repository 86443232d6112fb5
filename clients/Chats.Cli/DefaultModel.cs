using Chats.Tools;

namespace Chats.Cli;

/// <summary>
/// The models the CLI uses when none is given: the shipped ShapesEval pipelines (<c>models/shapes-chats</c>, with
/// <c>models/shapes-standard</c> as the CFG arm), or, where the repository's models are absent, a tiny random-weight
/// CHATS pipeline created on first use.
/// </summary>
internal static class DefaultModel
{
    /// <summary>The shipped CHATS pipeline, relative to the repository root.</summary>
    public const string ShippedChats = "models/shapes-chats";

    /// <summary>The shipped standard pipeline (the CFG arm), relative to the repository root.</summary>
    public const string ShippedStandard = "models/shapes-standard";

    public static string Resolve(string? requested) => Select(requested, null).Model;

    public static ModelSelection Select(string? requested, string? requestedStandard)
    {
        if (!string.IsNullOrEmpty(requested))
        {
            return new ModelSelection(requested, requestedStandard);
        }

        string root = FindRepositoryRoot() ?? Directory.GetCurrentDirectory();
        string shipped = Path.Combine(root, ShippedChats);
        if (File.Exists(Path.Combine(shipped, "model_index.json")))
        {
            string standard = Path.Combine(root, ShippedStandard);
            return new ModelSelection(shipped, requestedStandard ?? (File.Exists(Path.Combine(standard, "model_index.json")) ? standard : null));
        }

        return new ModelSelection(TinyRandom(root), requestedStandard);
    }

    /// <summary>
    /// The compute-bound benchmark pipeline: SD1.5's UNet block layout at reduced width with random weights
    /// (<see cref="TinyPipelinePreset.Sd15Shaped"/>), written under .chats/models once.
    /// </summary>
    public static string ComputeBound()
        => Ensure(FindRepositoryRoot() ?? Directory.GetCurrentDirectory(), "sd15-shaped-random", new TinyPipelineOptions { Preset = TinyPipelinePreset.Sd15Shaped }, "the SD1.5-shaped random-weight pipeline");

    private static string TinyRandom(string root)
        => Ensure(root, "tiny-random", new TinyPipelineOptions(), "the tiny random-weight CHATS pipeline (the shipped models are missing)");

    private static string Ensure(string root, string name, TinyPipelineOptions options, string what)
    {
        string path = Path.Combine(root, ".chats", "models", name);
        if (!File.Exists(Path.Combine(path, "model_index.json")))
        {
            Console.Error.WriteLine($"creating {what} at {path}");
            string staging = path + ".partial";
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }

            TinyPipelineBuilder.Create(staging, options);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            Directory.Move(staging, path);
        }

        return path;
    }

    private static string? FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Chats.Microservices.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
