namespace Chats.Cli.Benchmarks;

/// <summary>Requests sent alone, then all at once: how many PNGs came back byte-identical, and the largest 8-bit difference.</summary>
internal sealed record ServeReproducibility(bool Batching, int Requests, int Identical, int MaxPixelDifference);
