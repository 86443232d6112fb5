using System.Globalization;
using Prometheus;

namespace Chats.Cli.Benchmarks;

/// <summary>
/// The process's Prometheus samples at one moment, as <c>/metrics</c> would serve them. The benchmark runs every
/// service in its own process, so the registry holds every role's series; two snapshots subtract into what one
/// measured run did.
/// </summary>
internal sealed class MetricsSnapshot
{
    private readonly Dictionary<string, double> _samples;

    private MetricsSnapshot(Dictionary<string, double> samples) => _samples = samples;

    public static async Task<MetricsSnapshot> TakeAsync(CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await Metrics.DefaultRegistry.CollectAndExportAsTextAsync(buffer, ct);
        buffer.Position = 0;
        using var reader = new StreamReader(buffer);
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            int space = line.LastIndexOf(' ');
            if (space > 0 && double.TryParse(line.AsSpan(space + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            {
                samples[line[..space]] = value;
            }
        }

        return new MetricsSnapshot(samples);
    }

    /// <summary>This snapshot minus <paramref name="earlier"/>, series by series (counters and histogram sums).</summary>
    public MetricsSnapshot Since(MetricsSnapshot earlier)
        => new(_samples.ToDictionary(s => s.Key, s => s.Value - earlier._samples.GetValueOrDefault(s.Key), StringComparer.Ordinal));

    /// <summary>Two intervals' samples added, series by series (the runs of one point measured on different systems).</summary>
    public MetricsSnapshot Plus(MetricsSnapshot other)
    {
        var sum = new Dictionary<string, double>(_samples, StringComparer.Ordinal);
        foreach (var (key, value) in other._samples)
        {
            sum[key] = sum.GetValueOrDefault(key) + value;
        }

        return new MetricsSnapshot(sum);
    }

    /// <summary>The value of <paramref name="name"/> with exactly the label <paramref name="label"/>=<paramref name="value"/> (0 when absent).</summary>
    public double Get(string name, string label, string value)
        => _samples.GetValueOrDefault($"{name}{{{label}=\"{value}\"}}");

    /// <summary>The sum of every series of <paramref name="name"/> that carries each of <paramref name="labels"/> (any other labels).</summary>
    public double Sum(string name, params (string Label, string Value)[] labels)
        => _samples.Where(s => (s.Key == name || s.Key.StartsWith(name + "{", StringComparison.Ordinal))
                && labels.All(l => s.Key.Contains($"{l.Label}=\"{l.Value}\"", StringComparison.Ordinal)))
            .Sum(s => s.Value);

    /// <summary>A histogram's mean over the interval (Δsum ÷ Δcount), NaN when nothing was observed.</summary>
    public double Mean(string histogram, string label, string value)
    {
        double count = Get(histogram + "_count", label, value);
        return count > 0 ? Get(histogram + "_sum", label, value) / count : double.NaN;
    }
}
