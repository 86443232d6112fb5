using System.Globalization;
using System.Text.Json;

namespace Chats.IntegrationTests;

/// <summary>
/// Runs tests/node/playground-browser/playground.mjs: Debian's headless chromium, driven by playwright-core, opens
/// the playground, generates CFG and CHATS side by side and prints what the page showed as JSON.
/// </summary>
internal sealed class PlaygroundBrowser
{
    private const string InstallHint =
        "apt-get install -y chromium nodejs npm && npm ci --prefix tests/node/playground-browser (.ci/run does both)";

    private readonly string _scriptFolder;

    private PlaygroundBrowser(string scriptFolder) => _scriptFolder = scriptFolder;

    /// <summary>The driver, or an exception naming what is missing and the command that installs it.</summary>
    public static PlaygroundBrowser Locate()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Chats.Microservices.sln")))
        {
            root = root.Parent;
        }

        if (root is null)
        {
            throw new DirectoryNotFoundException("Chats.Microservices.sln was not found above " + AppContext.BaseDirectory);
        }

        string folder = Path.Combine(root.FullName, "tests", "node", "playground-browser");
        var missing = new List<string>();
        if (FindOnPath("node") is null)
        {
            missing.Add("node is not on the PATH");
        }

        string chromium = ChromiumPath;
        if (!File.Exists(chromium))
        {
            missing.Add($"chromium is not at {chromium} (CHROMIUM_PATH overrides)");
        }

        if (!File.Exists(Path.Combine(folder, "node_modules", "playwright-core", "package.json")))
        {
            missing.Add($"{Path.Combine(folder, "node_modules")} has no playwright-core");
        }

        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"The playground browser test cannot run: {string.Join("; ", missing)}. Install with: {InstallHint}");
        }

        return new PlaygroundBrowser(folder);
    }

    private static string ChromiumPath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>Fills the form at <paramref name="page"/>, clicks Generate, waits for both sides and saves a screenshot.</summary>
    public async Task<PlaygroundRun> RunAsync(
        Uri page, string screenshot, string prompt, ulong seed, int steps, string size, TimeSpan timeout, CancellationToken ct)
    {
        string[] args =
        [
            "playground.mjs", "--url", page.ToString(), "--screenshot", screenshot, "--prompt", prompt,
            "--seed", seed.ToString(CultureInfo.InvariantCulture), "--steps", steps.ToString(CultureInfo.InvariantCulture),
            "--size", size, "--timeout-ms", ((long)timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
        ];
        // The script has its own timeout; this one is for a browser that hangs anyway (start-up included).
        var run = await ProcessRun.NodeAsync(_scriptFolder, args, timeout + TimeSpan.FromMinutes(1), ct);
        string output = run.StandardOutput;
        string errors = run.StandardError;
        JsonElement? summary = null;
        try
        {
            using var document = JsonDocument.Parse(output);
            summary = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            // Left null: the caller reports the raw output.
        }

        return new PlaygroundRun(run.ExitCode, summary, $"stdout: {output}\nstderr: {errors}");
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);
}
