using Chats.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Chats.Gateway;

/// <summary>
/// Runs in YARP's proxy pipeline: assigns the caller's arm and passes it to the sampler as request headers.
/// The sampler applies the arm's mode only when the request names none, and reports the arm that decided
/// (response header <c>x-chats-arm</c>, which YARP copies back, and <c>GenerationStarted.arm</c>).
/// </summary>
internal sealed class ArmAssignmentMiddleware(ArmAssigner assigner, IOptions<GatewayOptions> options)
{
    public Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        // Clients cannot choose their arm by sending the internal headers themselves.
        context.Request.Headers.Remove(ArmHeaders.Arm);
        context.Request.Headers.Remove(ArmHeaders.Mode);

        string key = context.Request.Headers[options.Value.ClientKeyHeader].ToString();
        if (string.IsNullOrEmpty(key))
        {
            key = context.Connection.RemoteIpAddress?.ToString() ?? "anonymous";
        }

        if (assigner.Assign(key) is { } arm)
        {
            context.Request.Headers[ArmHeaders.Arm] = arm.Name;
            context.Request.Headers[ArmHeaders.Mode] = arm.Mode;
            ChatsMetrics.ArmAssignments.WithLabels(arm.Name).Inc();
        }

        return next();
    }
}
