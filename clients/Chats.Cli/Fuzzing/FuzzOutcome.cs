using Grpc.Core;

namespace Chats.Cli.Fuzzing;

/// <summary>What one case got back.</summary>
/// <param name="Case">The case, without its bytes (a run keeps every outcome; some cases are megabytes).</param>
/// <param name="Status">The final status (OK for a Generate the sampler accepted: its first event arrived).</param>
/// <param name="Detail">The status detail.</param>
internal sealed record FuzzOutcome(FuzzCase Case, StatusCode Status, string Detail)
{
    /// <summary>An outcome that keeps the case's identity and expectation but not its messages.</summary>
    public static FuzzOutcome Of(FuzzCase c, StatusCode status, string detail) => new(c with { Messages = [] }, status, detail);

    /// <summary>
    /// Whether the status is one the services document for such input: INVALID_ARGUMENT or RESOURCE_EXHAUSTED for bad
    /// input, OK where the case may be valid, DEADLINE_EXCEEDED for idle streams; never UNKNOWN or INTERNAL.
    /// </summary>
    public bool Documented => Case.Expectation switch
    {
        FuzzExpectation.Valid => Status is StatusCode.OK or StatusCode.ResourceExhausted,
        FuzzExpectation.Idle => Status is StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted,
        FuzzExpectation.MaybeValid => Status is StatusCode.OK or StatusCode.InvalidArgument or StatusCode.ResourceExhausted,
        _ => Status is StatusCode.InvalidArgument or StatusCode.ResourceExhausted,
    };
}
