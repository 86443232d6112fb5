namespace Chats.Cli.Chaos;

/// <summary>One fault the chaos run caused.</summary>
/// <param name="At">Stopwatch timestamp.</param>
/// <param name="Kind">kill -9, SIGTERM or redis kill.</param>
/// <param name="Target">The replica.</param>
internal sealed record ChaosEvent(long At, string Kind, string Target);
