namespace Chats.Core.Tests;

/// <summary>Locates ../shared/fixtures (beside the repository) from the test binary's folder.</summary>
internal static class FixturePaths
{
    private static readonly Lazy<string> s_reference = new(FindReference);

    private static readonly Lazy<string> s_sd3 = new(() =>
    {
        string? overridden = Environment.GetEnvironmentVariable("CHATS_FIXTURES_SD3");
        return !string.IsNullOrEmpty(overridden)
            ? overridden
            : Path.Combine(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(DiffusersReference))!, "diffusers-reference-sd3");
    });

    /// <summary>The diffusers-reference fixture folder.</summary>
    public static string DiffusersReference => s_reference.Value;

    /// <summary>The diffusers-reference-sd3 fixture folder: beside diffusers-reference unless CHATS_FIXTURES_SD3 names it.</summary>
    public static string DiffusersReferenceSd3 => s_sd3.Value;

    public static string Combine(params string[] parts) => Path.Combine([DiffusersReference, .. parts]);

    private static string FindReference()
    {
        string? overridden = Environment.GetEnvironmentVariable("CHATS_FIXTURES");
        if (!string.IsNullOrEmpty(overridden))
        {
            return overridden;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "fixtures", "diffusers-reference");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(
            "shared/fixtures/diffusers-reference was not found above " + AppContext.BaseDirectory +
            "; set CHATS_FIXTURES to its path.");
    }
}
