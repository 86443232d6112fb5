using System.Diagnostics;
using Chats.ServiceDefaults;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Chats.Gateway;

/// <summary>
/// The first step of YARP's proxy pipeline: counts every proxied call once, when it ends, by arm and final gRPC status
/// (<c>chats_gateway_arm_requests_total</c>) with its whole duration (<c>chats_gateway_arm_request_seconds</c>), the
/// gateway's own refusals included. The arm is the one the sampler reports (<c>x-chats-arm</c>: an arm, explicit or
/// default); for a call no sampler answered, the arm the gateway assigned, or would have assigned had it got that far;
/// <c>none</c> without a split.
/// </summary>
internal sealed class ArmMetricsMiddleware(ArmAssigner assigner, IOptions<GatewayOptions> options)
{
    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var call = new GatewayCall();
        context.Features.Set(call);
        long started = Stopwatch.GetTimestamp();
        try
        {
            await next();
        }
        finally
        {
            var code = GrpcStatusResponse.Read(context.Response)
                ?? (context.RequestAborted.IsCancellationRequested ? StatusCode.Cancelled : StatusCode.Unknown);
            string arm = context.Response.Headers[ArmHeaders.Arm].ToString() is { Length: > 0 } reported ? reported
                : (call.Arm ?? assigner.Assign(ArmAssignmentMiddleware.ClientKey(context, options.Value)))?.Name ?? "none";
            GatewayMetrics.ArmRequests.WithLabels(arm, code.ToString()).Inc();
            GatewayMetrics.ArmRequestSeconds.WithLabels(arm).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }
}
