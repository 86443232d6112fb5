namespace Chats.Cli.Chaos;

/// <summary>What <c>chats bench chaos</c> runs.</summary>
/// <param name="ModelPath">Pipeline folder every role loads.</param>
/// <param name="Generations">Generations to run at least (more if the kills are not done yet).</param>
/// <param name="Concurrency">Generations in flight at once.</param>
/// <param name="Kills">kill -9 of denoiser replicas to reach at least.</param>
/// <param name="Steps">Denoising steps per generation.</param>
/// <param name="Batching">Denoiser:BatchAcrossSessions of every denoiser (off: each forward holds one session's step, so PNGs are bit-reproducible).</param>
/// <param name="Redis">Also run a Redis embedding cache, and kill and restart it.</param>
/// <param name="Seed">Seed of the fault schedule.</param>
internal sealed record ChaosSettings(string ModelPath, int Generations, int Concurrency, int Kills, int Steps, bool Batching, bool Redis, int Seed);
