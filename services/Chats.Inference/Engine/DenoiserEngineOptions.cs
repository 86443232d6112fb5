namespace Chats.Inference.Engine;

/// <summary>Limits of a <see cref="DenoiserSessionEngine"/>.</summary>
public sealed record DenoiserEngineOptions
{
    /// <summary>The default idle timeout: a generation's steps are milliseconds to seconds apart.</summary>
    public static readonly TimeSpan DefaultSessionIdleTimeout = TimeSpan.FromSeconds(60);

    /// <summary>A display name for messages and the worker thread (e.g. the component, <c>unet_win</c>).</summary>
    public string Name { get; init; } = "denoiser";

    /// <summary>Concurrent sessions; one more is refused at once (RESOURCE_EXHAUSTED).</summary>
    public int MaxSessions { get; init; } = 16;

    /// <summary>A session that sends no step for this long is closed and its slot freed.</summary>
    public TimeSpan SessionIdleTimeout { get; init; } = DefaultSessionIdleTimeout;
}
