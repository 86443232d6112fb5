using Chats.ServiceDefaults;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Chats.Gateway;

/// <summary>
/// Runs in YARP's proxy pipeline: assigns the caller's arm and passes it to the sampler as request headers.
/// The sampler applies the arm's mode only when the request names none, and reports the arm that decided
/// (response header <c>x-chats-arm</c>, which YARP copies back, and <c>GenerationStarted.arm</c>). The assignment is
/// counted once the call is over, and only when a sampler decided how it ended: a call the gateway ended itself (every
/// sampler refused it, or one failed) is not counted, so a client's retry of it does not count its arm twice.
/// </summary>
internal sealed class ArmAssignmentMiddleware(ArmAssigner assigner, IOptions<GatewayOptions> options)
{
    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        // Clients cannot choose their arm by sending the internal headers themselves.
        context.Request.Headers.Remove(ArmHeaders.Arm);
        context.Request.Headers.Remove(ArmHeaders.Mode);

        string key = context.Request.Headers[options.Value.ClientKeyHeader].ToString();
        if (string.IsNullOrEmpty(key))
        {
            key = context.Connection.RemoteIpAddress?.ToString() ?? "anonymous";
        }

        var arm = assigner.Assign(key);
        if (arm is not null)
        {
            context.Request.Headers[ArmHeaders.Arm] = arm.Name;
            context.Request.Headers[ArmHeaders.Mode] = arm.Mode;
        }

        await next();

        bool endedByGateway = context.Features.Get<SamplerCall>()?.EndedByGateway
            ?? context.Features.Get<IForwarderErrorFeature>() is not null;
        if (arm is not null && !endedByGateway)
        {
            ChatsMetrics.ArmAssignments.WithLabels(arm.Name).Inc();
        }
    }
}
