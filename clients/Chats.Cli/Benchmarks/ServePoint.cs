namespace Chats.Cli.Benchmarks;

/// <summary>One measured point: a workload, a mode and the knobs at one concurrency.</summary>
/// <param name="Workload">lab or compute.</param>
/// <param name="Mode">chats or cfg.</param>
/// <param name="Knobs">The denoiser settings of the system measured.</param>
/// <param name="Concurrency">Concurrent generations.</param>
/// <param name="Repeats">Runs measured.</param>
/// <param name="ImagesPerSecond">Median throughput of the repeats.</param>
/// <param name="Spread">(max − min) ÷ median of the repeats' throughputs: how noisy the point was.</param>
/// <param name="P50">Median latency over all repeats' generations, seconds.</param>
/// <param name="P95">95th percentile latency, seconds.</param>
/// <param name="Breakdown">Where the runs' steps spent their time.</param>
internal sealed record ServePoint(
    string Workload, string Mode, ServeKnobs Knobs, int Concurrency, int Repeats, double ImagesPerSecond, double Spread, double P50, double P95,
    StepBreakdown Breakdown)
{
    public static ServePoint From(
        string workload, string mode, ServeKnobs knobs, int concurrency, IReadOnlyList<(double Throughput, List<double> Latencies)> runs, StepBreakdown breakdown)
    {
        var throughputs = runs.Select(r => r.Throughput).ToList();
        double median = Median(throughputs);
        var latencies = runs.SelectMany(r => r.Latencies).Order().ToList();
        return new ServePoint(
            workload, mode, knobs, concurrency, runs.Count, median, (throughputs.Max() - throughputs.Min()) / median,
            Percentile(latencies, 0.5), Percentile(latencies, 0.95), breakdown);
    }

    public static double Median(IEnumerable<double> values) => Percentile([.. values.Order()], 0.5);

    public static double Percentile(List<double> sorted, double q)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        double rank = q * (sorted.Count - 1);
        int lo = (int)Math.Floor(rank), hi = (int)Math.Ceiling(rank);
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * (rank - lo));
    }
}
