using Chats.ServiceDefaults;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Chats.Gateway.Auth;

/// <summary>Wiring of API keys, per-key limits and the arm override into the gateway.</summary>
internal static class GatewayAuthExtensions
{
    private const string ReflectionPrefix = "/grpc.reflection.";

    /// <summary>Binds and validates <c>Gateway:Auth</c> and registers the key store, the limits and the pipeline steps.</summary>
    public static WebApplicationBuilder AddGatewayAuth(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<GatewayAuthOptions>(GatewayAuthOptions.Section);
        builder.Services.AddSingleton<ApiKeyStore>();
        builder.Services.AddSingleton<KeyLimits>();
        builder.Services.AddSingleton<CallerAdmissionMiddleware>();
        builder.Services.AddSingleton<ArmMetricsMiddleware>();
        return builder;
    }

    /// <summary>
    /// With auth on, server reflection (which lists the API) needs a key as the Sampler calls do; health checks,
    /// <c>/metrics</c> and <c>/healthz</c> never do (probes and scrapers carry no key).
    /// </summary>
    public static WebApplication RequireApiKeyForReflection(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<GatewayAuthOptions>>().Value;
        var keys = app.Services.GetRequiredService<ApiKeyStore>();
        if (options.Enabled)
        {
            app.Use(async (context, next) =>
            {
                if (context.Request.Path.Value?.StartsWith(ReflectionPrefix, StringComparison.Ordinal) == true
                    && keys.Authenticate(context.Request.Headers.Authorization.ToString()) is { Key: null } check)
                {
                    GatewayMetrics.AuthFailures.WithLabels(check.Failure!).Inc();
                    GrpcStatusResponse.WriteTrailersOnly(context.Response, StatusCode.Unauthenticated, check.Detail!);
                    return;
                }

                await next(context);
            });
        }

        return app;
    }
}
