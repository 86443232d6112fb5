namespace Chats.Core.Tests;

/// <summary>Locates ../shared/fixtures (beside the repository) from the test binary's folder.</summary>
internal static class FixturePaths
{
    private static readonly Lazy<string> s_reference = new(FindReference);
    private static readonly Lazy<string> s_referenceSd3 = new(FindReferenceSd3);

    /// <summary>The diffusers-reference fixture folder.</summary>
    public static string DiffusersReference => s_reference.Value;

    /// <summary>The diffusers-reference-sd3 fixture folder (SD3 family), beside <see cref="DiffusersReference"/>.</summary>
    public static string DiffusersReferenceSd3 => s_referenceSd3.Value;

    public static string CombineSd3(params string[] parts) => Path.Combine([DiffusersReferenceSd3, .. parts]);

    public static string Combine(params string[] parts) => Path.Combine([DiffusersReference, .. parts]);

    private static string FindReference() =>
        Environment.GetEnvironmentVariable("CHATS_FIXTURES") is { Length: > 0 } overridden ? overridden : FindAbove("diffusers-reference", "CHATS_FIXTURES");

    private static string FindReferenceSd3()
    {
        string? overridden = Environment.GetEnvironmentVariable("CHATS_FIXTURES_SD3");
        if (!string.IsNullOrEmpty(overridden))
        {
            return overridden;
        }

        // A relocated diffusers-reference (CHATS_FIXTURES) brings its sibling along.
        string? reference = Environment.GetEnvironmentVariable("CHATS_FIXTURES");
        if (!string.IsNullOrEmpty(reference))
        {
            string sibling = Path.Combine(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(reference)))!, "diffusers-reference-sd3");
            if (Directory.Exists(sibling))
            {
                return sibling;
            }
        }

        return FindAbove("diffusers-reference-sd3", "CHATS_FIXTURES_SD3");
    }

    private static string FindAbove(string folder, string environmentVariable)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "fixtures", folder);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(
            $"shared/fixtures/{folder} was not found above " + AppContext.BaseDirectory +
            $"; set {environmentVariable} to its path.");
    }
}
