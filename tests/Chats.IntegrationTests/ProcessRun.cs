using System.Diagnostics;

namespace Chats.IntegrationTests;

/// <summary>A finished process: its exit code and everything it wrote.</summary>
internal sealed record ProcessRun(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>The non-empty lines of standard error.</summary>
    public IReadOnlyList<string> ErrorLines => StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Runs <c>dotnet <paramref name="assembly"/> <paramref name="args"/></c> to its end (killed after <paramref name="timeout"/>).</summary>
    public static async Task<ProcessRun> DotnetAsync(string assembly, IEnumerable<string> args, TimeSpan timeout, CancellationToken ct)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
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
            throw new TimeoutException($"dotnet {assembly} {string.Join(' ', args)} was still running after {timeout}: {await stdout}{await stderr}");
        }

        return new ProcessRun(process.ExitCode, await stdout, await stderr);
    }
}
