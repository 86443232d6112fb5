using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Chats.Gateway.Auth;

/// <summary>
/// Runs in YARP's proxy pipeline before the arm is assigned: checks the caller's API key (with auth on), whether it may
/// choose its arm, and its limits, and holds its generation permit until the call ends. Each refusal is a trailers-only
/// status naming the metadata or the limit: UNAUTHENTICATED, PERMISSION_DENIED, INVALID_ARGUMENT or RESOURCE_EXHAUSTED
/// (with <c>retry-after-ms</c>).
/// </summary>
internal sealed class CallerAdmissionMiddleware(
    ApiKeyStore keys, KeyLimits limits, ArmAssigner arms, IOptions<GatewayAuthOptions> options, ILogger<CallerAdmissionMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var auth = options.Value;
        var call = context.Features.Get<GatewayCall>();
        ApiKey? key = null;
        if (auth.Enabled)
        {
            var check = keys.Authenticate(context.Request.Headers.Authorization.ToString());
            if (check.Key is null)
            {
                Refuse(context, StatusCode.Unauthenticated, check.Detail!);
                GatewayMetrics.AuthFailures.WithLabels(check.Failure!).Inc();
                logger.LogDebug("refused a call from {Peer}: {Failure} API key", context.Connection.RemoteIpAddress, check.Failure);
                return;
            }

            key = check.Key;
        }

        // The sampler never sees the credential or the override.
        context.Request.Headers.Remove(Microsoft.Net.Http.Headers.HeaderNames.Authorization);
        string requested = context.Request.Headers[ArmOverride.Header].ToString();
        context.Request.Headers.Remove(ArmOverride.Header);
        ExperimentArm? chosen = null;
        if (requested.Length > 0)
        {
            if (!(key?.AllowArmOverride ?? (!auth.Enabled && auth.AllowArmOverrideWithoutAuth)))
            {
                Refuse(context, StatusCode.PermissionDenied, key is null
                    ? $"{ArmOverride.Header}: choosing the arm needs an API key allowed to (Gateway:Auth:Enabled and a key's AllowArmOverride), or Gateway:Auth:AllowArmOverrideWithoutAuth"
                    : $"{ArmOverride.Header}: API key '{key.Name}' may not choose its arm (its AllowArmOverride is false)");
                return;
            }

            chosen = arms.Find(requested);
            if (chosen is null)
            {
                Refuse(context, StatusCode.InvalidArgument, arms.Arms.Count == 0
                    ? $"{ArmOverride.Header} = '{requested}': this gateway has no A/B arms (Gateway:AbSplitEnabled is false)"
                    : $"{ArmOverride.Header} = '{requested}': not an arm of this gateway; use one of {string.Join(", ", arms.Arms.Select(a => a.Name))}");
                return;
            }
        }

        if (!limits.TryAdmit(key, out var admitted, out var refusal))
        {
            GrpcStatusResponse.WriteTrailersOnly(context.Response, StatusCode.ResourceExhausted, refusal.Detail, refusal.RetryAfter);
            GatewayMetrics.RateLimited.WithLabels(refusal.Limit).Inc();
            logger.LogDebug("refused a call: {Detail}", refusal.Detail);
            return;
        }

        using (admitted)
        {
            if (call is not null)
            {
                call.KeyName = key?.Name;
                call.ArmOverride = chosen;
            }

            await next();
        }
    }

    private static void Refuse(HttpContext context, StatusCode code, string detail) =>
        GrpcStatusResponse.WriteTrailersOnly(context.Response, code, detail);
}
