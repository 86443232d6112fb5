using Chats.Core.Loading;

namespace Chats.Cli;

/// <summary>The model the CLI uses when none is given: a tiny random-weight CHATS pipeline, created on first use.</summary>
internal static class DefaultModel
{
    public static string Resolve(string? requested)
    {
        if (!string.IsNullOrEmpty(requested))
        {
            return requested;
        }

        string root = FindRepositoryRoot() ?? Directory.GetCurrentDirectory();
        string path = Path.Combine(root, ".chats", "models", "tiny-random");
        if (!File.Exists(Path.Combine(path, "model_index.json")))
        {
            Console.Error.WriteLine($"creating the tiny random-weight CHATS pipeline at {path} (no trained model ships yet)");
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
