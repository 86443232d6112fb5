using Chats.Core.Tests;

namespace Chats.Training.Tests.Shapes;

/// <summary>Locates ../shared/shapes-benchmark beside the diffusers-reference fixtures.</summary>
internal static class ShapesBenchmarkFiles
{
    public static string Folder => Path.GetFullPath(Path.Combine(FixturePaths.DiffusersReference, "..", "..", "shapes-benchmark"));

    public static string PublicPrompts => Path.Combine(Folder, "prompts-public.jsonl");
}
