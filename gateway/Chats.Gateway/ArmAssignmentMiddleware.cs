using Chats.ServiceDefaults;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Chats.Gateway;

/// <summary>
/// Runs in YARP's proxy pipeline: assigns the caller's arm and passes it to the sampler as request headers.
/// The sampler applies the arm's mode only when the request names none, and reports the arm that decided
/// (response header <c>x-chats-arm</c>, which YARP copies back, and <c>GenerationStarted.arm</c>). The assignment is
/// counted once the call is over, and only when a sampler decided how it ended: a call the gateway ended itself (every
/// sampler refused it, or one failed) is not counted, so a client's retry of it does not count its arm twice. An arm
/// chosen with <see cref="ArmOverride"/> (checked before, by <see cref="Auth.CallerAdmissionMiddleware"/>) takes the
/// assignment's place.
/// </summary>
internal sealed class ArmAssignmentMiddleware(ArmAssigner assigner, IOptions<GatewayOptions> options)
{
    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        // Clients cannot choose their arm by sending the internal headers themselves.
        context.Request.Headers.Remove(ArmHeaders.Arm);
        context.Request.Headers.Remove(ArmHeaders.Mode);

        var call = context.Features.Get<GatewayCall>();
        var arm = call?.ArmOverride ?? assigner.Assign(ClientKey(context, options.Value));
        if (call is not null)
        {
            call.Arm = arm;
        }

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

    /// <summary>
    /// Who the caller is for sticky assignment: the client key header (an end user), else the API key's name, else the
    /// peer address.
    /// </summary>
    public static string ClientKey(HttpContext context, GatewayOptions options)
    {
        string key = context.Request.Headers[options.ClientKeyHeader].ToString();
        if (string.IsNullOrEmpty(key))
        {
            key = context.Features.Get<GatewayCall>()?.KeyName is { } name ? "api-key:" + name
                : context.Connection.RemoteIpAddress?.ToString() ?? "anonymous";
        }

        return key;
    }
}
