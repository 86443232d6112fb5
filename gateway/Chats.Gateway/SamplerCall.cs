using Grpc.Core;

namespace Chats.Gateway;

/// <summary>
/// Per-call state of a gRPC call to the samplers, kept as an HttpContext feature: the response transforms record a
/// sampler's refusal here for <see cref="SamplerFailoverMiddleware"/>, which records how the call ended for
/// <see cref="ArmAssignmentMiddleware"/>.
/// </summary>
internal sealed class SamplerCall
{
    /// <summary>
    /// The current attempt's sampler refused the call with a trailers-only RESOURCE_EXHAUSTED (with its retry hint) or
    /// UNAVAILABLE.
    /// </summary>
    public (StatusCode Code, string Message, TimeSpan? RetryAfter)? Refusal { get; set; }

    /// <summary>The sampler's response ended with no grpc-status; the transform added UNAVAILABLE.</summary>
    public bool StatusMissing { get; set; }

    /// <summary>The gateway, not a sampler, decided the call's final status (every sampler refused, or one failed).</summary>
    public bool EndedByGateway { get; set; }
}
