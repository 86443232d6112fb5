namespace Chats.Core.Sampling;

/// <summary>
/// A denoiser session was closed by the server (idle timeout, shutdown). Services map
/// <see cref="SessionCloseReason.IdleTimeout"/> to DEADLINE_EXCEEDED and <see cref="SessionCloseReason.ShuttingDown"/>
/// to UNAVAILABLE, which tells a client to retry elsewhere.
/// </summary>
public sealed class SessionClosedException : Exception
{
    /// <summary>Creates the exception for <paramref name="sessionId"/>.</summary>
    public SessionClosedException(string sessionId, SessionCloseReason reason, string message)
        : base(message)
    {
        SessionId = sessionId;
        Reason = reason;
    }

    /// <summary>The closed session.</summary>
    public string SessionId { get; }

    /// <summary>Why it was closed.</summary>
    public SessionCloseReason Reason { get; }
}
