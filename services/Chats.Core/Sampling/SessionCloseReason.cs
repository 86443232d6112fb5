namespace Chats.Core.Sampling;

/// <summary>Why a denoiser closed a session that its client had not closed.</summary>
public enum SessionCloseReason
{
    /// <summary>No step arrived within the idle timeout; the slot was freed for other generations.</summary>
    IdleTimeout,

    /// <summary>The denoiser is shutting down; the generation can continue on another replica.</summary>
    ShuttingDown,
}
