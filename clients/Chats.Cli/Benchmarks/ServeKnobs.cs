namespace Chats.Cli.Benchmarks;

/// <summary>The denoiser settings one measured system runs with.</summary>
/// <param name="Batching">Denoiser:BatchAcrossSessions.</param>
/// <param name="MaxBatch">Denoiser:MaxBatch (rows per forward pass).</param>
/// <param name="DenoiserThreads">Denoiser:Threads (libtorch intra-op threads of each denoiser's model thread); null keeps the local system's default.</param>
/// <param name="MaxQueueDelayMicroseconds">Denoiser:MaxQueueDelay.</param>
internal sealed record ServeKnobs(bool Batching, int MaxBatch, int? DenoiserThreads, int MaxQueueDelayMicroseconds);
