namespace Chats.Core.Sampling;

/// <summary>
/// Told where a generation's time goes while it runs (the sampler's metrics, the serving benchmark's per-step
/// breakdown). Called from the generation's own flow, concurrently for concurrent generations: keep it short
/// and thread-safe.
/// </summary>
public interface IGenerationObserver
{
    /// <summary>One <paramref name="phase"/> took <paramref name="elapsed"/>; <paramref name="role"/> names the denoiser for <see cref="GenerationPhase.DenoiserCall"/>, else null.</summary>
    void Observe(GenerationPhase phase, string? role, TimeSpan elapsed);
}
