using Chats.ServiceDefaults;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Chats.Gateway;

/// <summary>The one place the gateway is wired together.</summary>
public static class GatewayHost
{
    /// <summary>Builds the gateway; <paramref name="overrides"/> are configuration values applied last.</summary>
    public static WebApplication Build(string[] args, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var builder = ChatsServiceHost.CreateBuilder(args, overrides);
        builder.AddValidatedOptions<GatewayOptions>(GatewayOptions.Section)
            .Validate(o => o.Arms.All(a => a.Mode is "cfg" or "chats" or "chats_full"), "Gateway:Arms: Mode must be cfg, chats or chats_full")
            .Validate(o => o.Arms.Count == 0 || o.Arms.Sum(a => a.Weight) > 0, "Gateway:Arms: weights must not all be zero");
        var gateway = builder.Snapshot<GatewayOptions>(GatewayOptions.Section);
        builder.Services.AddSingleton<ArmAssigner>();
        builder.Services.AddSingleton<ArmAssignmentMiddleware>();
        builder.Services.AddReverseProxy().LoadFromMemory(Routes(), [SamplerCluster(gateway)]);

        var app = builder.Build();
        app.MapChatsServiceDefaults();
        var arms = app.Services.GetRequiredService<ArmAssignmentMiddleware>();
        app.MapReverseProxy(proxy => proxy.Use((context, next) => arms.InvokeAsync(context, next)));
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
        LoadBalancingPolicy = "PowerOfTwoChoices",
        // gRPC to the backends is h2c: HTTP/2 exactly, no downgrade.
        HttpRequest = new ForwarderRequestConfig
        {
            Version = new Version(2, 0),
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            ActivityTimeout = options.ActivityTimeout,
        },
        Destinations = options.Samplers.Select((uri, i) => (uri, i))
            .ToDictionary(d => $"sampler-{d.i}", d => new DestinationConfig { Address = d.uri.ToString() }),
    };
}
