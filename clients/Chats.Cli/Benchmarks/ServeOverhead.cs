namespace Chats.Cli.Benchmarks;

/// <summary>Median seconds of one CHATS generation at concurrency 1, through the services and in-process.</summary>
internal sealed record ServeOverhead(int Runs, double Services, double InProcess);
