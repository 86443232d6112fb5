namespace Chats.Cli.Benchmarks;

/// <summary>One measured throughput: <paramref name="ImagesPerSecond"/> with <paramref name="Concurrency"/> generations in flight.</summary>
internal readonly record struct ThroughputPoint(int Concurrency, double ImagesPerSecond);
