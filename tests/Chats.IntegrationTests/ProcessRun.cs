using System.Collections;
using System.Diagnostics;

namespace Chats.IntegrationTests;

/// <summary>A finished process: its exit code and everything it wrote.</summary>
internal sealed record ProcessRun(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>The non-empty lines of standard error.</summary>
    public IReadOnlyList<string> ErrorLines => StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Runs <c>dotnet <paramref name="assembly"/> <paramref name="args"/></c> to its end (killed after <paramref name="timeout"/>).</summary>
    public static Task<ProcessRun> DotnetAsync(string assembly, IEnumerable<string> args, TimeSpan timeout, CancellationToken ct)
    {
        var start = new ProcessStartInfo("dotnet");
        start.ArgumentList.Add(assembly);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return RunAsync(start, timeout, ct);
    }

    /// <summary>
    /// Runs the dotnet CLI (<c>dotnet pack</c>, <c>dotnet build</c>, …) in <paramref name="workingDirectory"/> as a
    /// developer's shell would: without the MSBuild settings that the test host inherited from the build that started it.
    /// </summary>
    public static Task<ProcessRun> DotnetCliAsync(string workingDirectory, IEnumerable<string> args, TimeSpan timeout, CancellationToken ct)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in Environment.GetEnvironmentVariables().Cast<DictionaryEntry>().Select(e => (string)e.Key))
        {
            if (name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || name.Equals("DOTNET_HOST_PATH", StringComparison.OrdinalIgnoreCase))
            {
                start.Environment.Remove(name);
            }
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        return RunAsync(start, timeout, ct);
    }

    /// <summary>Runs <c>node <paramref name="args"/></c> in <paramref name="workingDirectory"/> (a folder with its own node_modules).</summary>
    public static Task<ProcessRun> NodeAsync(string workingDirectory, IEnumerable<string> args, TimeSpan timeout, CancellationToken ct)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = workingDirectory };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return RunAsync(start, timeout, ct);
    }

    private static async Task<ProcessRun> RunAsync(ProcessStartInfo start, TimeSpan timeout, CancellationToken ct)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{start.FileName} {string.Join(' ', start.ArgumentList)} was still running after {timeout}: {await stdout}{await stderr}");
        }

        return new ProcessRun(process.ExitCode, await stdout, await stderr);
    }
}
