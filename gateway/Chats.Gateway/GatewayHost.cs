using Chats.Gateway.Auth;
using Chats.Gateway.HttpApi;
using Chats.ServiceDefaults;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.ServiceDiscovery;

namespace Chats.Gateway;

/// <summary>The one place the gateway is wired together.</summary>
public static class GatewayHost
{
    /// <summary>Builds the gateway; <paramref name="overrides"/> are configuration values applied last.</summary>
    public static WebApplication Build(string[] args, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var builder = ChatsServiceHost.CreateBuilder(args, overrides).AddGatewayConfigFile();
        builder.AddValidatedOptions<GatewayOptions>(GatewayOptions.Section)
            .Validate(o => o.Arms.All(a => a.Mode is "cfg" or "chats" or "chats_full"), "Gateway:Arms: Mode must be cfg, chats or chats_full")
            .Validate(o => o.Arms.Count == 0 || o.Arms.Sum(a => a.Weight) > 0, "Gateway:Arms: weights must not all be zero")
            .Validate(o => o.Samplers.All(s => SamplerDestinations.Check(s) is null),
                "Gateway:Samplers: each must be http://host:port or dns:///name:port");
        var gateway = builder.Snapshot<GatewayOptions>(GatewayOptions.Section);
        // Reflection clients asking the gateway see the API it serves, not only health and reflection.
        builder.ReflectAlso(Protos.V1.Sampler.Descriptor);
        builder.Services.AddSingleton(ArmAssigner.Reloading);
        builder.AddGatewayAuth();
        builder.Services.AddSingleton<ArmAssignmentMiddleware>();
        builder.Services.AddSingleton<SamplerFailoverMiddleware>();
        builder.Services.AddReverseProxy()
            .LoadFromMemory(Routes(), [SamplerCluster(gateway)])
            .AddTransforms(SamplerResponseTransforms.Add);
        // Replaces YARP's no-op resolver; only dns:/// samplers are expanded.
        builder.Services.AddSingleton<IDestinationResolver, DnsSamplerResolver>();
        builder.AddChatsHttpApi();

        var app = builder.Build();
        app.MapChatsServiceDefaults().RequireApiKeyForReflection();
        app.MapChatsHttpApi();
        var arms = app.Services.GetRequiredService<ArmAssignmentMiddleware>();
        var failover = app.Services.GetRequiredService<SamplerFailoverMiddleware>();
        var limit = app.Services.GetRequiredService<ReceiveLimit>();
        // A custom pipeline replaces YARP's default steps, so they are listed again, in YARP's order; without
        // UseLoadBalancing YARP ignores the cluster's policy and picks a sampler at random. Failover sits between the
        // sampler's choice and the passive health check, so every attempt counts toward the health of its own sampler.
        var drain = app.Services.GetRequiredService<ServiceDrain>();
        var armMetrics = app.Services.GetRequiredService<ArmMetricsMiddleware>();
        var admission = app.Services.GetRequiredService<CallerAdmissionMiddleware>();
        app.MapReverseProxy(proxy =>
        {
            proxy.Use((context, next) => armMetrics.InvokeAsync(context, next));
            // Proxied calls bypass the gRPC interceptor that admits calls elsewhere: counted here, so that SIGTERM
            // waits for the generations going through this gateway and refuses new ones (UNAVAILABLE: try another).
            proxy.Use(async (context, next) =>
            {
                using var admitted = drain.TryEnter();
                if (admitted is null)
                {
                    GrpcStatusResponse.WriteTrailersOnly(context.Response, Grpc.Core.StatusCode.Unavailable, "the gateway is draining (shutting down) and takes no new calls; retry on another replica");
                    return;
                }

                await next();
            });
            // Every Sampler method takes one request message: the body is capped at one message within the sampler's
            // limit, and the sampler refuses an oversized one from its length prefix (the status comes back through).
            proxy.Use((context, next) =>
            {
                GrpcRequestSizeGuard.CapProxiedBody(context, limit);
                return next();
            });
            proxy.Use((context, next) => admission.InvokeAsync(context, next));
            proxy.Use((context, next) => arms.InvokeAsync(context, next));
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.Use((context, next) => failover.InvokeAsync(context, next));
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }

    private static IReadOnlyList<RouteConfig> Routes() =>
    [
        new RouteConfig
        {
            RouteId = "sampler",
            ClusterId = "sampler",
            Match = new RouteMatch { Path = "/chats.v1.Sampler/{**method}" },
        },
    ];

    private static ClusterConfig SamplerCluster(GatewayOptions options) => new()
    {
        ClusterId = "sampler",
        // Of two random samplers, the one with fewer generations in flight: a generation holds its call for its
        // whole run, so in-flight calls are the load.
        LoadBalancingPolicy = "PowerOfTwoChoices",
        // A sampler that fails at the transport level (refused or reset connections, timeouts; not gRPC error
        // statuses, which arrive as HTTP 200) in 30% or more of at least 10 calls within a minute is left out for
        // a minute. When every sampler is out, HealthyOrPanic uses them all rather than refusing every request.
        HealthCheck = new HealthCheckConfig
        {
            Passive = new PassiveHealthCheckConfig
            {
                Enabled = true,
                Policy = HealthCheckConstants.PassivePolicy.TransportFailureRate,
                ReactivationPeriod = TimeSpan.FromMinutes(1),
            },
            AvailableDestinationsPolicy = HealthCheckConstants.AvailableDestinations.HealthyOrPanic,
        },
        // gRPC to the backends is h2c: HTTP/2 exactly, no downgrade.
        HttpRequest = new ForwarderRequestConfig
        {
            Version = new Version(2, 0),
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            ActivityTimeout = options.ActivityTimeout,
        },
        Destinations = SamplerDestinations.From(options.Samplers),
    };
}
