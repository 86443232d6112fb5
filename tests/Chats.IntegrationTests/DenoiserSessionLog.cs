using System.Collections.Concurrent;
using Chats.Inference.Engine;

namespace Chats.IntegrationTests;

/// <summary>Records the summaries a denoiser's session engine reports as sessions close, by session id.</summary>
public sealed class DenoiserSessionLog
{
    private readonly ConcurrentDictionary<string, DenoiserSessionSummary> _sessions = new();

    public IReadOnlyDictionary<string, DenoiserSessionSummary> Sessions => _sessions;

    public void Record(DenoiserSessionSummary summary) => _sessions[summary.SessionId] = summary;
}
