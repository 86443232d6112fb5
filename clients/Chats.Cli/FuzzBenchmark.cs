using Chats.Cli.Fuzzing;
using Chats.LocalSystem;

namespace Chats.Cli;

/// <summary><c>chats bench fuzz</c>: the whole system in-process, the seeded malformed-request cases against it, the report.</summary>
internal static class FuzzBenchmark
{
    /// <summary>Exit code 0 when every case got a documented status and the checks around the run held; 1 otherwise.</summary>
    public static async Task<int> RunAsync(ModelSelection models, int cases, int seed, int concurrency, int? onlyCase, CancellationToken ct)
    {
        await using var system = await LocalChatsSystem.StartAsync(new LocalSystemOptions { ModelPath = models.Model, StandardModelPath = models.StandardModel }, ct);
        var targets = new FuzzTargets(
            system.Gateway, system.Services["sampler"].Grpc, system.Services["text-encoder"].Grpc, system.Services["preferred"].Grpc, system.Services["decoder"].Grpc);
        Console.WriteLine($"fuzzing {models.Model}: {(onlyCase is { } c ? $"case {c}" : $"{cases} cases")}, seed {seed}, {concurrency} at a time");
        var report = await FuzzRunner.RunAsync(targets, seed, cases, concurrency, onlyCase is { } only ? [only] : null, ct);
        Console.Write(report.Format());
        if (onlyCase is not null)
        {
            var outcome = report.Outcomes[0];
            Console.WriteLine($"case {outcome.Case.Index}: {outcome.Case.Target} {outcome.Case.Mutation} → {outcome.Status} \"{outcome.Detail}\"");
        }

        return report.Undocumented.Count == 0 && report.UnhealthyServices.Count == 0 && report.SameImageAfter ? 0 : 1;
    }
}
