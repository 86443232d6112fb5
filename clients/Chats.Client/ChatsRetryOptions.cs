using Grpc.Core;

namespace Chats.Client;

/// <summary>
/// How a refused generation is retried: gRPC's own retry policy (the channel's service config), so every attempt,
/// its backoff and the server's pushback are handled inside grpc-dotnet, below <see cref="IChatsClient"/>.
/// </summary>
/// <remarks>
/// A call is retried only until it is committed, that is until the response headers arrive. Chats samplers send them
/// with the first event, once the generation is admitted: a refusal before the stream starts (a full sampler's
/// RESOURCE_EXHAUSTED, an unreachable or draining service's UNAVAILABLE) is retried, a failure in the middle of a
/// generation is not (the events already read cannot be taken back). All attempts share the one deadline,
/// <see cref="ChatsClientOptions.Timeout"/>.
/// </remarks>
public sealed class ChatsRetryOptions
{
    /// <summary>The statuses retried when <see cref="RetryableStatusCodes"/> is null: UNAVAILABLE and RESOURCE_EXHAUSTED.</summary>
    public static IReadOnlyList<StatusCode> DefaultRetryableStatusCodes { get; } = [StatusCode.Unavailable, StatusCode.ResourceExhausted];

    /// <summary>Attempts per call, the first included (4); 1 turns retries off.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>
    /// The first retry waits a random time of up to this (1 s). A server's pushback replaces the wait: the gateway
    /// answers a full system with <c>grpc-retry-pushback-ms</c>, which grpc-dotnet honours.
    /// </summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest bound on one wait (10 s); also the longest wait before reconnecting to an unreachable server.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Each retry's bound on the wait is the previous one times this (2).</summary>
    public double BackoffMultiplier { get; set; } = 2;

    /// <summary>The statuses that are retried; null for <see cref="DefaultRetryableStatusCodes"/>.</summary>
    /// <remarks>
    /// Nullable so that configuration binding replaces the default set instead of adding to it. Only statuses that
    /// mean "nothing was done" belong here: INVALID_ARGUMENT and the like would fail again the same way.
    /// </remarks>
    public IList<StatusCode>? RetryableStatusCodes { get; set; }
}
