using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Prometheus;

namespace Chats.ServiceDefaults;

/// <summary>Hosting every Chats service shares: Kestrel endpoints, gRPC with status mapping, health, reflection, metrics.</summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Registers gRPC, the status interceptor, health checks and reflection; binds <see cref="EndpointOptions"/> to Kestrel.</summary>
    public static WebApplicationBuilder AddChatsServiceDefaults(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var endpoints = builder.Configuration.GetSection(EndpointOptions.Section).Get<EndpointOptions>() ?? new EndpointOptions();
        builder.AddValidatedOptions<EndpointOptions>(EndpointOptions.Section);
        var endpointsValidator = new OptionsSectionValidator<EndpointOptions>(EndpointOptions.Section, builder.Configuration);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Kestrel takes these before options validation runs: check them first, so that a bad port or host is
            // reported as its key and value rather than as Kestrel's ArgumentOutOfRangeException or FormatException.
            var problems = endpointsValidator.Validate(Options.DefaultName, endpoints).Failures?.ToList() ?? [];
            if (!System.Net.IPAddress.TryParse(endpoints.Host, out var address))
            {
                problems.Add($"{EndpointOptions.Section}:{nameof(EndpointOptions.Host)} = '{endpoints.Host}': not an IP address (e.g. 127.0.0.1, 0.0.0.0)");
            }

            if (problems.Count > 0)
            {
                throw new OptionsValidationException(EndpointOptions.Section, typeof(EndpointOptions), problems);
            }

            kestrel.Listen(address!, endpoints.GrpcPort, listen => listen.Protocols = HttpProtocols.Http2);
            if (endpoints.HttpPort >= 0)
            {
                kestrel.Listen(address!, endpoints.HttpPort, listen => listen.Protocols = HttpProtocols.Http1);
            }
        });

        builder.Services.AddSingleton<ServiceDrain>();
        builder.Services.AddHostedService<ServiceDrainLifecycle>();
        // The host must outlive the drain: its own shutdown timeout would otherwise cut the drain short.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = endpoints.DrainTimeout + ServiceDrainLifecycle.CancelledCallsGrace + TimeSpan.FromSeconds(10));
        builder.Services.AddSingleton<GrpcStatusInterceptor>();
        builder.Services.AddGrpc(grpc =>
        {
            grpc.Interceptors.Add<GrpcStatusInterceptor>();
            grpc.MaxReceiveMessageSize = 64 * 1024 * 1024;
            grpc.MaxSendMessageSize = 64 * 1024 * 1024;
            grpc.EnableDetailedErrors = false;
        });
        // Services load their weights before they start listening, so "listening" already means "ready" until a
        // drain begins: then NOT_SERVING tells balancers and probes to send new work elsewhere.
        builder.Services.AddGrpcHealthChecks()
            .AddCheck<ReadinessHealthCheck>("ready");
        builder.Services.AddGrpcReflection();
        return builder;
    }

    /// <summary>
    /// Lets the gRPC health service answer <c>Check</c> for <paramref name="serviceName"/> (e.g. <c>chats.v1.Sampler</c>) as
    /// well as for the server as a whole (""): clients and probes that ask by service name get SERVING, not NOT_FOUND.
    /// </summary>
    public static WebApplicationBuilder ReportHealthAs(this WebApplicationBuilder builder, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        builder.Services.Configure<Grpc.AspNetCore.HealthChecks.GrpcHealthChecksOptions>(o => o.Services.Map(serviceName, _ => true));
        return builder;
    }

    /// <summary>
    /// Validates the configuration (a bad value fails here, see <see cref="ChatsServiceHost.ValidateOptionsBeforeStart"/>),
    /// then maps the gRPC health service, reflection, <c>/metrics</c> and <c>/healthz</c>.
    /// </summary>
    public static WebApplication MapChatsServiceDefaults(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Every service calls this right after Build: the one shared place to fail Build on a bad value.
        app.ValidateOptionsBeforeStart();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        app.MapMetrics("/metrics");
        app.MapGet("/healthz", (ServiceDrain drain) => drain.IsDraining ? Results.Text("draining", statusCode: 503) : Results.Text("ok"));
        return app;
    }

    /// <summary>The addresses Kestrel actually bound (after start), gRPC first.</summary>
    public static IReadOnlyList<Uri> BoundAddresses(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var server = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>();
        var feature = server.Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>();
        return feature?.Addresses.Select(a => new Uri(a)).ToList() ?? [];
    }
}
