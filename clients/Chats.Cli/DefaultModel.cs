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

    private static string TinyRandom(string root)
    {
        string path = Path.Combine(root, ".chats", "models", "tiny-random");
        if (!File.Exists(Path.Combine(path, "model_index.json")))
        {
            Console.Error.WriteLine($"creating the tiny random-weight CHATS pipeline at {path} (the shipped models are missing)");
            string staging = path + ".partial";
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }

            TinyPipelineBuilder.Create(staging);
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
