using System.Diagnostics;
using System.Globalization;

namespace Chats.Cli.Processes;

/// <summary>
/// One Chats service as its own operating-system process (<c>chats serve ROLE --Key=Value …</c>), for fault runs that
/// need real processes and real signals: kill -9, SIGTERM, restart on the same port.
/// </summary>
internal sealed partial class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _lastLines = new();
    private readonly Task _stderr;

    private ServiceProcess(string name, Process process, Uri grpc, Uri? http)
    {
        Name = name;
        _process = process;
        Grpc = grpc;
        Http = http;
        _stderr = PumpAsync(process.StandardError);
        _ = PumpAsync(process.StandardOutput);
    }

    /// <summary>A label (e.g. <c>preferred-1</c>).</summary>
    public string Name { get; }

    /// <summary>The gRPC address it listens on.</summary>
    public Uri Grpc { get; }

    /// <summary>The metrics / healthz address, when enabled.</summary>
    public Uri? Http { get; }

    /// <summary>The process id.</summary>
    public int Pid => _process.Id;

    /// <summary>True once the process ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Its exit code (after it exited).</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>The last lines it wrote (both streams), for diagnostics.</summary>
    public string Tail
    {
        get
        {
            lock (_lastLines)
            {
                return string.Join('\n', _lastLines);
            }
        }
    }

    /// <summary>Starts <c>chats serve <paramref name="service"/></c> with <paramref name="settings"/>, and waits until it listens.</summary>
    public static async Task<ServiceProcess> StartAsync(
        string name, string service, IEnumerable<KeyValuePair<string, string>> settings, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(ServiceProcess).Assembly.Location);
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add(service);
        foreach (var (key, value) in settings)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {name}");
        try
        {
            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            waiting.CancelAfter(timeout);
            while (await process.StandardOutput.ReadLineAsync(waiting.Token) is { } line)
            {
                var match = ListeningLine().Match(line);
                if (match.Success)
                {
                    var http = match.Groups["http"].Value;
                    return new ServiceProcess(name, process, new Uri(match.Groups["grpc"].Value), http.Length > 0 ? new Uri(http) : null);
                }
            }

            string error = await process.StandardError.ReadToEndAsync(CancellationToken.None);
            throw new InvalidOperationException($"{name} exited before listening (code {process.ExitCode}): {error.Trim()}");
        }
        catch
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
            throw;
        }
    }

    /// <summary>kill -9: the process ends at once, its connections reset.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGTERM (through kill(1), as an orchestrator sends it): the service drains, then exits.</summary>
    public void Terminate()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("could not run kill");
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -TERM {_process.Id} failed (exit code {kill.ExitCode})");
        }
    }

    /// <summary>Waits for the process to end; false on timeout.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var waiting = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(waiting.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Resident memory now, in MB (Linux /proc).</summary>
    public double ResidentMegabytes()
    {
        foreach (string line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        throw new InvalidOperationException($"no VmRSS for process {_process.Id}");
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        await _stderr;
        _process.Dispose();
    }

    /// <summary>A loopback port that is free now (for a replica that must come back at the same address).</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^listening grpc=(?<grpc>\S+) http=(?<http>\S*)")]
    private static partial System.Text.RegularExpressions.Regex ListeningLine();

    private async Task PumpAsync(StreamReader reader)
    {
        try
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                lock (_lastLines)
                {
                    _lastLines.Enqueue(line);
                    if (_lastLines.Count > 40)
                    {
                        _lastLines.Dequeue();
                    }
                }
            }
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
