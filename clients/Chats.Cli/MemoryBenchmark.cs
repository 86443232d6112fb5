using System.Diagnostics;
using System.Globalization;
using Chats.Core.Loading;
using Chats.Core.Sampling;
using Chats.Tools;

namespace Chats.Cli;

/// <summary>
/// <c>chats bench memory</c> (<see cref="Commands.BenchCommands"/>): starts each role as its own process
/// (<c>chats serve</c>) on a pipeline folder and prints its resident memory once listening, next to the fp32 size of
/// the weights that role loads.
/// </summary>
internal static class MemoryBenchmark
{
    private static readonly string[] s_textEncoders = ["text_encoder", "text_encoder_2", "text_encoder_two"];

    private sealed record Role(string Name, string Service, string[] Settings, string[] Components);

    public static async Task<int> RunAsync(string modelDir, int repeats, CancellationToken ct)
    {
        var pipeline = PipelineInspector.Inspect(modelDir);
        var folder = DiffusersPipelineFolder.Open(modelDir);
        string m = folder.Root;
        var roles = new List<Role>
        {
            new("gateway (no model)", "gateway", ["--Gateway:Samplers:0=http://127.0.0.1:9"], []),
            new("text-encoder", "text-encoder", [$"--TextEncoder:ModelPath={m}"],
                [.. s_textEncoders.Where(folder.HasComponent)]),
        };
        foreach (var role in Enum.GetValues<DenoiserRole>())
        {
            string component = DenoiserComponents.For(role, folder);
            if (folder.HasComponent(component))
            {
                roles.Add(new($"denoiser {role.ToString().ToLowerInvariant()}", "denoiser", [$"--Denoiser:ModelPath={m}", $"--Denoiser:Role={role}", $"--Denoiser:Component={component}"], [component]));
            }
        }

        roles.Add(new("decoder", "decoder", [$"--Decoder:ModelPath={m}"], ["vae"]));

        Console.WriteLine($"model: {m}  ({repeats} starts per role, median)");
        Console.WriteLine($"{"role",-22} {"weights (fp32)",15} {"RSS",12} {"RSS - gateway",14}");
        double? baseline = null;
        foreach (var role in roles)
        {
            var samples = new List<double>();
            for (int i = 0; i < repeats; i++)
            {
                samples.Add(await MeasureAsync(role, ct));
            }

            samples.Sort();
            double rss = samples[samples.Count / 2];
            baseline ??= rss;
            long parameters = pipeline.Components.Where(c => role.Components.Contains(c.Name)).Sum(c => c.Parameters);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{role.Name,-22} {parameters * 4 / 1_048_576.0,12:F1} MB {rss,9:F1} MB {rss - baseline.Value,11:F1} MB"));
        }

        return 0;
    }

    private static async Task<double> MeasureAsync(Role role, CancellationToken ct)
    {
        string self = typeof(MemoryBenchmark).Assembly.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { self, "serve", role.Service, "--Endpoints:GrpcPort=0", "--Endpoints:HttpPort=0", "--Logging:LogLevel:Default=Warning" }.Concat(role.Settings))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start a role process");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromMinutes(5));
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("listening", StringComparison.Ordinal))
                {
                    // Let lazy start-up work (JIT, first allocations) settle before reading.
                    await Task.Delay(1000, ct);
                    return ResidentMegabytes(process.Id);
                }
            }

            throw new InvalidOperationException($"{role.Name} exited before listening: {await process.StandardError.ReadToEndAsync(ct)}");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }
    }

    private static double ResidentMegabytes(int pid)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        throw new InvalidOperationException($"no VmRSS for process {pid}");
    }
}
