using Grpc.Core;

namespace Chats.Gateway;

/// <summary>A sampler that did not take a call: it answered RESOURCE_EXHAUSTED or UNAVAILABLE at once, or refused the connection.</summary>
/// <param name="Sampler">The sampler as the detail names it: <c>sampler ID (address)</c>.</param>
/// <param name="Code">The status it answered; UNAVAILABLE for a refused connection.</param>
/// <param name="Reason">The metric label: full, unavailable or unreachable.</param>
/// <param name="Message">Its status message, or why the connection failed.</param>
/// <param name="RetryAfter">The retry hint it gave, if any.</param>
internal sealed record SamplerRefusal(string Sampler, StatusCode Code, string Reason, string Message, TimeSpan? RetryAfter = null)
{
    /// <summary>For the client's detail, e.g. <c>sampler sampler-0 (http://…) is full (…)</c>.</summary>
    public override string ToString() => Reason switch
    {
        "full" => $"{Sampler} is full ({Message})",
        "unreachable" => $"{Sampler} is unreachable ({Message})",
        _ => $"{Sampler} is unavailable ({Message})",
    };
}
