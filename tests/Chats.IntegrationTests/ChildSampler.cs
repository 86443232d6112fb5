using System.Diagnostics;
using System.Text;

namespace Chats.IntegrationTests;

/// <summary>
/// A sampler in a process of its own (<c>chats serve sampler</c>, the CLI built next to the tests), pointed at the running
/// system's text encoder, denoisers and decoder, so that a test can kill it with a real signal.
/// </summary>
internal sealed class ChildSampler : IAsyncDisposable
{
    private static readonly TimeSpan s_startLimit = TimeSpan.FromSeconds(90);
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private ChildSampler(Process process) => _process = process;

    /// <summary>Its gRPC address.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>What it wrote to stderr so far (for failure messages).</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static async Task<ChildSampler> StartAsync(ChatsSystemFixture fixture, IEnumerable<string> settings, CancellationToken ct)
    {
        string Grpc(string role) => fixture.System.Services[role].Grpc.ToString();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] args =
        [
            Path.Combine(AppContext.BaseDirectory, "chats.dll"), "serve", "sampler",
            $"--Sampler:ModelPath={fixture.ModelPath}",
            $"--Sampler:TextEncoder={Grpc("text-encoder")}",
            $"--Sampler:Preferred={Grpc("preferred")}",
            $"--Sampler:Dispreferred={Grpc("dispreferred")}",
            $"--Sampler:Standard={Grpc("standard")}",
            $"--Sampler:Decoder={Grpc("decoder")}",
            "--Endpoints:Host=127.0.0.1", "--Endpoints:GrpcPort=0", "--Endpoints:HttpPort=-1",
            "--Logging:LogLevel:Default=Warning",
        ];
        foreach (string arg in args.Concat(settings))
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the sampler process");
        var sampler = new ChildSampler(process);
        process.ErrorDataReceived += (_, e) =>
        {
            lock (sampler._stderr)
            {
                sampler._stderr.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(s_startLimit);
            while (await process.StandardOutput.ReadLineAsync(limit.Token) is { } line)
            {
                const string Prefix = "listening grpc=";
                if (line.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    sampler.Address = new Uri(line[Prefix.Length..].Split(' ')[0]);
                    // Keep stdout drained so the child never blocks on a full pipe.
                    _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                    return sampler;
                }
            }

            throw new InvalidOperationException($"the sampler process exited before listening: {sampler.Stderr}");
        }
        catch
        {
            await KillAsync(process);
            process.Dispose();
            throw;
        }
    }

    /// <summary>kill -9: the process ends at once, its sockets closed by the kernel. Returns its exit code (137).</summary>
    public async Task<int> KillHardAsync()
    {
        // Process.Kill sends SIGKILL on Unix.
        _process.Kill();
        await _process.WaitForExitAsync(CancellationToken.None);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync(_process);
        _process.Dispose();
    }

    private static async Task KillAsync(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }
}
