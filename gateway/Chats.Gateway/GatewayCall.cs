namespace Chats.Gateway;

/// <summary>
/// Per-call state of a proxied call, kept as an HttpContext feature from the first step of the proxy pipeline: who
/// called (<see cref="Auth.CallerAdmissionMiddleware"/>) and which arm the call got (<see cref="ArmAssignmentMiddleware"/>),
/// for the per-arm metrics counted when the call ends (<see cref="ArmMetricsMiddleware"/>).
/// </summary>
internal sealed class GatewayCall
{
    /// <summary>The API key's name; null with auth off.</summary>
    public string? KeyName { get; set; }

    /// <summary>The arm the caller chose with <c>x-chats-arm-override</c>, when allowed.</summary>
    public ExperimentArm? ArmOverride { get; set; }

    /// <summary>The arm the gateway sent to the sampler; null before assignment, or with no split.</summary>
    public ExperimentArm? Arm { get; set; }
}
