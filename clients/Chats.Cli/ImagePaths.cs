namespace Chats.Cli;

/// <summary>Where image k of a request is written: the given path for k = 0, else _k before the extension.</summary>
internal static class ImagePaths
{
    public static string ForIndex(string path, int index) => index == 0
        ? path
        : Path.Combine(Path.GetDirectoryName(path) ?? ".", $"{Path.GetFileNameWithoutExtension(path)}_{index}{Path.GetExtension(path)}");
}
