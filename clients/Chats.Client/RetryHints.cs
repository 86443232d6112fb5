using System.Globalization;
using Grpc.Core;

namespace Chats.Client;

/// <summary>
/// Reads when a refused call may be retried. Chats services answer a full queue with RESOURCE_EXHAUSTED whose detail
/// ends with <c>retry in 1 s</c> and whose trailer <c>retry-after-ms</c> carries the same delay in milliseconds.
/// </summary>
/// <remarks>
/// The SDK's retries (<see cref="ChatsRetryOptions"/>) run before a caller sees the exception; this is for what is
/// left after them. The gateway also sends the delay as <c>grpc-retry-pushback-ms</c>, the header gRPC's own retry
/// policy reads; a sampler called directly sends <c>retry-after-ms</c> only.
/// </remarks>
public static class RetryHints
{
    /// <summary>The trailer the services set on RESOURCE_EXHAUSTED.</summary>
    public const string TrailerKey = "retry-after-ms";

    /// <summary>The suggested delay of a RESOURCE_EXHAUSTED <paramref name="exception"/>; null for other statuses or without the trailer.</summary>
    public static TimeSpan? RetryAfter(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception.StatusCode != StatusCode.ResourceExhausted)
        {
            return null;
        }

        string? value = exception.Trailers.GetValue(TrailerKey);
        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long ms) ? TimeSpan.FromMilliseconds(ms) : null;
    }
}
