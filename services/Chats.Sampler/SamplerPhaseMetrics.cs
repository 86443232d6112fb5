using Chats.Core.Sampling;
using Chats.ServiceDefaults;

namespace Chats.Sampler;

/// <summary>Feeds a generation's phase durations into the sampler's Prometheus histograms.</summary>
internal sealed class SamplerPhaseMetrics : IGenerationObserver
{
    public void Observe(GenerationPhase phase, string? role, TimeSpan elapsed)
    {
        double seconds = elapsed.TotalSeconds;
        switch (phase)
        {
            case GenerationPhase.DenoiserCall:
                ChatsMetrics.SamplerDenoiserCallSeconds.WithLabels(role ?? "unknown").Observe(seconds);
                break;
            case GenerationPhase.Encode:
                ChatsMetrics.SamplerPhaseSeconds.WithLabels("encode").Observe(seconds);
                break;
            case GenerationPhase.Guidance:
                ChatsMetrics.SamplerPhaseSeconds.WithLabels("guidance").Observe(seconds);
                break;
            case GenerationPhase.Decode:
                ChatsMetrics.SamplerPhaseSeconds.WithLabels("decode").Observe(seconds);
                break;
        }
    }
}
