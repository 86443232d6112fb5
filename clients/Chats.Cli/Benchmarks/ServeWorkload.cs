namespace Chats.Cli.Benchmarks;

/// <summary>A model and the load the benchmark drives it with.</summary>
/// <param name="Name">lab (the shipped models) or compute (the SD1.5-shaped pipeline).</param>
/// <param name="Model">The CHATS pipeline folder.</param>
/// <param name="StandardModel">The CFG arm's pipeline when the CHATS folder has no <c>unet</c>.</param>
/// <param name="Steps">Denoising steps per generation.</param>
/// <param name="PerClient">Generations each concurrent client sends per run.</param>
/// <param name="Repeats">Runs per point (median throughput).</param>
/// <param name="Concurrency">Concurrent generation counts, ascending.</param>
internal sealed record ServeWorkload(
    string Name, string Model, string? StandardModel, int Steps, int PerClient, int Repeats, IReadOnlyList<int> Concurrency);
