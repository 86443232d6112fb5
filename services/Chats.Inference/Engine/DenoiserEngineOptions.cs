namespace Chats.Inference.Engine;

/// <summary>Limits of a <see cref="DenoiserSessionEngine"/>.</summary>
public sealed record DenoiserEngineOptions
{
    /// <summary>The default idle timeout: a generation's steps are milliseconds to seconds apart.</summary>
    public static readonly TimeSpan DefaultSessionIdleTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The default <see cref="MaxQueueDelay"/>, 3 ms (chosen with <c>chats bench serve</c>).</summary>
    public static readonly TimeSpan DefaultMaxQueueDelay = TimeSpan.FromMilliseconds(3);

    /// <summary>A display name for messages and the worker thread (e.g. the component, <c>unet_win</c>).</summary>
    public string Name { get; init; } = "denoiser";

    /// <summary>Concurrent sessions; one more is refused at once (RESOURCE_EXHAUSTED).</summary>
    public int MaxSessions { get; init; } = 16;

    /// <summary>A session that sends no step for this long is closed and its slot freed.</summary>
    public TimeSpan SessionIdleTimeout { get; init; } = DefaultSessionIdleTimeout;

    /// <summary>
    /// Rows (latents × conditionings evaluated) one forward pass may take, summed over the steps batched into it.
    /// 1 turns cross-session batching off; a single step may never need more (INVALID_ARGUMENT).
    /// </summary>
    public int MaxBatch { get; init; } = 32;

    /// <summary>
    /// Whether steps of different sessions share forward passes. Off, every forward pass runs one step (its own
    /// conditionings still batched): the baseline the serving benchmark compares against.
    /// </summary>
    public bool BatchAcrossSessions { get; init; } = true;

    /// <summary>
    /// How long the model thread may wait for a fuller batch once one step is waiting; zero takes what is there. It
    /// waits only while an open session has no step queued, so a lone generation (or sessions already in phase) never
    /// waits; the default is about one step's round trip to the sampler here, enough for out-of-phase sessions to meet.
    /// </summary>
    public TimeSpan MaxQueueDelay { get; init; } = DefaultMaxQueueDelay;

    /// <summary>Steps that may wait at once; one more is refused at once (RESOURCE_EXHAUSTED).</summary>
    public int MaxQueuedSteps { get; init; } = 256;

    /// <summary>
    /// Largest latent height or width a step may carry. The denoiser service sets the sampler's largest image side over
    /// the pipeline's spatial factor (<c>Denoiser:MaxLatentSide</c>); the default is the engine's historical bound.
    /// </summary>
    public int MaxLatentSide { get; init; } = 1024;

    /// <summary>Latents one step may carry (the service default is 8, <c>Denoiser:MaxLatentBatch</c>).</summary>
    public int MaxLatentBatch { get; init; } = 64;

    /// <summary>Conditionings one session may be opened with (the sampler opens with 1 or 2).</summary>
    public int MaxConditionings { get; init; } = 4;

    /// <summary>
    /// Tokens one conditioning may have: four CLIP windows of 77 (the text encoder produces one; long-prompt encoders
    /// concatenate windows). Bounds what one SessionOpen uploads and what every step of it attends to.
    /// </summary>
    public int MaxConditioningTokens { get; init; } = 4 * 77;

    /// <summary>libtorch intra-op threads of the model thread; 0 = the cores this process may use (<see cref="TorchThreads.Resolve"/>).</summary>
    public int Threads { get; init; }
}
