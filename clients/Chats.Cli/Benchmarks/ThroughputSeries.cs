namespace Chats.Cli.Benchmarks;

/// <summary>One line of a <see cref="ThroughputPlot"/>: a configuration's throughput at each concurrency it was measured at.</summary>
internal sealed record ThroughputSeries(string Name, IReadOnlyList<ThroughputPoint> Points);
