using Chats.Core.Sampling;
using Grpc.Core;

namespace Chats.ServiceDefaults;

/// <summary>
/// RESOURCE_EXHAUSTED that says when to retry: the detail ends with <c>retry in 1 s</c> (<see cref="RetryDelay.Phrase"/>)
/// and the trailer <see cref="TrailerKey"/> carries the delay in whole milliseconds. A plain ASCII trailer rather than
/// google.rpc.RetryInfo in <c>grpc-status-details-bin</c>: any client (and a proxy's logs) can read it without the
/// rich-status protos, and the gateway forwards it unchanged.
/// </summary>
public static class RetryHint
{
    /// <summary>The trailer with the delay in milliseconds (the SDK reads it: <c>Chats.Client.RetryHints</c>).</summary>
    public const string TrailerKey = "retry-after-ms";

    /// <summary>RESOURCE_EXHAUSTED with <paramref name="reason"/>, then <c>; retry in …</c>, and the trailer.</summary>
    public static RpcException ResourceExhausted(string reason, TimeSpan retryAfter)
        => new(new Status(StatusCode.ResourceExhausted, $"{reason}; {RetryDelay.Phrase(retryAfter)}"), Trailers(retryAfter));

    /// <summary>The trailers for a refusal whose detail already states the delay.</summary>
    public static Metadata Trailers(TimeSpan retryAfter) => new() { { TrailerKey, RetryDelay.Milliseconds(retryAfter) } };
}
