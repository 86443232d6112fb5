using System.Globalization;
using System.Text;
using Grpc.Core;

namespace Chats.Cli.Fuzzing;

/// <summary>A fuzz run's results and the checks around it.</summary>
/// <param name="Seed">The generator's seed.</param>
/// <param name="Outcomes">Every case's outcome, in index order.</param>
/// <param name="Elapsed">Time the cases took (not the checks around them).</param>
/// <param name="UnhealthyServices">Services whose gRPC health Check did not answer SERVING after the run.</param>
/// <param name="ManagedBytesBefore">GC heap after a full collection, before the cases.</param>
/// <param name="ManagedBytesAfter">The same after them.</param>
/// <param name="WorkingSetBefore">Process working set before the cases.</param>
/// <param name="WorkingSetAfter">The same after them.</param>
/// <param name="SameImageAfter">Whether a normal generation after the run gave the same PNG bytes as before it.</param>
internal sealed record FuzzReport(
    int Seed,
    IReadOnlyList<FuzzOutcome> Outcomes,
    TimeSpan Elapsed,
    IReadOnlyList<string> UnhealthyServices,
    long ManagedBytesBefore,
    long ManagedBytesAfter,
    long WorkingSetBefore,
    long WorkingSetAfter,
    bool SameImageAfter)
{
    /// <summary>Cases whose status the services do not document for them.</summary>
    public IReadOnlyList<FuzzOutcome> Undocumented => [.. Outcomes.Where(o => !o.Documented)];

    /// <summary>The report as text: cases per target and status, per status, and every undocumented case with its index.</summary>
    public string Format()
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine(inv, $"{Outcomes.Count} cases, seed {Seed}, {Elapsed.TotalSeconds:0.0} s ({Outcomes.Count / Math.Max(Elapsed.TotalSeconds, 1e-9):0} cases/s)");
        var statuses = Outcomes.Select(o => o.Status).Distinct().Order().ToList();
        text.AppendLine(inv, $"{"target",-16}{"cases",8}{string.Concat(statuses.Select(s => $"{s,20}"))}");
        foreach (var group in Outcomes.GroupBy(o => o.Case.Target).OrderBy(g => g.Key))
        {
            text.Append(inv, $"{group.Key,-16}{group.Count(),8}");
            foreach (var status in statuses)
            {
                text.Append(inv, $"{group.Count(o => o.Status == status),20}");
            }

            text.AppendLine();
        }

        text.Append(inv, $"{"all",-16}{Outcomes.Count,8}");
        foreach (var status in statuses)
        {
            text.Append(inv, $"{Outcomes.Count(o => o.Status == status),20}");
        }

        text.AppendLine();
        text.AppendLine(inv, $"undocumented statuses: {Undocumented.Count}");
        foreach (var o in Undocumented)
        {
            text.AppendLine(inv, $"  case {o.Case.Index} ({o.Case.Target}, {o.Case.Mutation}, expected {o.Case.Expectation}): {o.Status} \"{o.Detail}\"  replay: chats bench fuzz --seed {Seed} --case {o.Case.Index}");
        }

        text.AppendLine(inv, $"health after the run: {(UnhealthyServices.Count == 0 ? "every service SERVING" : "not SERVING: " + string.Join(", ", UnhealthyServices))}");
        text.AppendLine(inv, $"managed heap {ManagedBytesBefore / 1e6:0.0} MB -> {ManagedBytesAfter / 1e6:0.0} MB; working set {WorkingSetBefore / 1e6:0} MB -> {WorkingSetAfter / 1e6:0} MB");
        text.AppendLine(inv, $"a normal generation after the run: {(SameImageAfter ? "the same PNG bytes as before" : "DIFFERENT bytes from before")}");
        return text.ToString();
    }

    /// <summary>Cases by status, for figures.</summary>
    public IReadOnlyDictionary<StatusCode, int> ByStatus => Outcomes.GroupBy(o => o.Status).ToDictionary(g => g.Key, g => g.Count());
}
