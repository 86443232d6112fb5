using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Chats.IntegrationTests;

/// <summary>A real redis-server on a free loopback port, owned by the test run.</summary>
internal sealed class RedisServer : IDisposable
{
    private readonly Process _process;

    private RedisServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>Starts redis-server on <paramref name="port"/> (a free port when null) and waits until it listens.</summary>
    public static RedisServer Start(int? port = null) => Start(port ?? FreePort());

    private static RedisServer Start(int port)
    {
        var start = new ProcessStartInfo("redis-server", $"--port {port} --bind 127.0.0.1 --save \"\" --appendonly no")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("redis-server is not installed (apt-get install -y redis-server); the integration tests need a real Redis", e);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return new RedisServer(process, port);
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        process.Kill();
        throw new InvalidOperationException($"redis-server did not listen on {port} within 10 s");
    }

    /// <summary>A loopback port with nothing listening (taken and released).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Kills the server (SIGKILL): connections drop without a goodbye, as when a Redis pod dies.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit(5000);
    }

    /// <summary>
    /// Sends <paramref name="signal"/> (e.g. STOP, CONT) to the server. A stopped server keeps its connections open
    /// and answers nothing, like a hung or partitioned Redis: every call waits out its timeout.
    /// </summary>
    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            ?? throw new InvalidOperationException("kill did not start");
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {_process.Id} exited with {kill.ExitCode}");
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            // SIGKILL also ends a server stopped with SIGSTOP.
            _process.Kill();
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }
}
