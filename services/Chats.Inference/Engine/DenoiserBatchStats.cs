namespace Chats.Inference.Engine;

/// <summary>One forward pass of the engine, reported after it ran (<see cref="DenoiserSessionEngine.BatchExecuted"/>).</summary>
/// <param name="Steps">Session steps answered by it.</param>
/// <param name="Rows">Rows of the forward pass (latents × conditionings over all its steps).</param>
/// <param name="QueueSeconds">For each step, the time from its arrival to the start of the forward pass.</param>
/// <param name="ComputeSeconds">The forward pass, host-to-host.</param>
public sealed record DenoiserBatchStats(int Steps, long Rows, IReadOnlyList<double> QueueSeconds, double ComputeSeconds);
