using System.Diagnostics;
using System.Net.Sockets;

namespace Chats.Cli.Chaos;

/// <summary>A redis-server on a fixed loopback port that the chaos run kills (-9) and starts again.</summary>
internal sealed class RedisProcess(int port) : IAsyncDisposable
{
    private Process? _process;

    public int Port { get; } = port;

    public bool Up => _process is { HasExited: false };

    public async Task StartAsync(CancellationToken ct)
    {
        var start = new ProcessStartInfo("redis-server", ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        _ = _process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        _ = _process.StandardError.ReadToEndAsync(CancellationToken.None);
        for (int i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", Port, ct);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100, ct);
            }
        }

        throw new InvalidOperationException($"redis-server did not listen on {Port}");
    }

    public void Kill()
    {
        _process?.Kill();
        _process?.WaitForExit();
        _process?.Dispose();
        _process = null;
    }

    public ValueTask DisposeAsync()
    {
        if (Up)
        {
            Kill();
        }

        return ValueTask.CompletedTask;
    }
}
