using System.Reflection;
using Grpc.AspNetCore.Server;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Grpc.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting;
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
    /// <summary>
    /// Registers gRPC, the status interceptor, health checks, reflection and tracing (<see cref="TelemetryOptions"/>);
    /// binds <see cref="EndpointOptions"/> to Kestrel.
    /// </summary>
    public static WebApplicationBuilder AddChatsServiceDefaults(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddChatsServiceDefaults(ChatsTelemetry.ServiceNameOf(builder.Environment.ApplicationName));
    }

    internal static WebApplicationBuilder AddChatsServiceDefaults(this WebApplicationBuilder builder, string serviceName)
    {
        ChatsTelemetry.AddChatsTelemetry(builder, serviceName);
        ConsoleLogDefaults.Add(builder.Services, builder.Configuration);
        builder.Services.AddSingleton(new ServiceIdentity(serviceName));
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
            grpc.MaxSendMessageSize = 64 * 1024 * 1024;
            grpc.EnableDetailedErrors = false;
        });
        builder.Services.AddSingleton(sp => new ReceiveLimit(
            sp.GetRequiredService<IOptions<EndpointOptions>>().Value.MaxReceiveMessageSize
                ?? sp.GetService<ReceiveLimitDefault>()?.Bytes(sp) ?? EndpointOptions.DefaultMaxReceiveMessageSize,
            sp.GetRequiredService<IOptions<EndpointOptions>>().Value.MaxReceiveMessageSize is not null));
        // grpc-dotnet's own check stays as the backstop for every message of a stream (the guard reads only the first).
        builder.Services.AddOptions<Grpc.AspNetCore.Server.GrpcServiceOptions>()
            .PostConfigure<ReceiveLimit>((grpc, limit) => grpc.MaxReceiveMessageSize = limit.Bytes);
        ReplaceMethodBinder(builder.Services);
        // Registered before AddGrpcReflection, whose defaults then stand aside: reflection lists the mapped services and
        // the ones a host serves without mapping them (ReflectAlso).
        builder.Services.AddSingleton(sp => new ReflectionServiceImpl(ReflectedDescriptors(sp)));
        builder.Services.AddSingleton(sp => new ReflectionV1ServiceImpl(ReflectedDescriptors(sp)));
        // Services load their weights before they start listening, so "listening" already means "ready" until a
        // drain begins: then NOT_SERVING tells balancers and probes to send new work elsewhere.
        builder.Services.AddGrpcHealthChecks()
            .AddCheck<ReadinessHealthCheck>("ready");
        builder.Services.AddGrpcReflection();
        return builder;
    }

    /// <summary>
    /// The default receive limit of this service (<see cref="EndpointOptions.MaxReceiveMessageSize"/> overrides it), computed
    /// from its services, e.g. the loaded model's largest legitimate message.
    /// </summary>
    public static WebApplicationBuilder DefaultReceiveLimit(this WebApplicationBuilder builder, Func<IServiceProvider, int> bytes)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(bytes);
        builder.Services.AddSingleton(new ReceiveLimitDefault(bytes));
        return builder;
    }

    /// <summary>Lists <paramref name="descriptor"/> in server reflection though no endpoint maps it (a proxied service).</summary>
    public static WebApplicationBuilder ReflectAlso(this WebApplicationBuilder builder, Google.Protobuf.Reflection.ServiceDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(descriptor);
        builder.Services.AddSingleton(new ReflectedService(descriptor));
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
    /// then maps the gRPC health service, reflection, <c>/metrics</c>, <c>/healthz</c> (503 while draining) and <c>/livez</c>
    /// (200 while the process runs).
    /// </summary>
    public static WebApplication MapChatsServiceDefaults(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Every service calls this right after Build: the one shared place to fail Build on a bad value.
        app.ValidateOptionsBeforeStart();
        var limit = app.Services.GetRequiredService<ReceiveLimit>();
        // Routing has picked the endpoint by now; a unary or server-streaming call carries one request message, so its
        // length prefix decides before a byte of it is read (streams are checked per message by grpc-dotnet).
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>() is { Method: { Type: MethodType.Unary or MethodType.ServerStreaming } method }
                && await GrpcRequestSizeGuard.RefuseOversizedAsync(context, limit, method.ServiceName, method.Name))
            {
                return;
            }

            await next(context);
        });
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        app.MapMetrics("/metrics");
        app.MapGet("/healthz", (ServiceDrain drain) => drain.IsDraining ? Results.Text("draining", statusCode: 503) : Results.Text("ok"));
        // Liveness, not readiness: 200 while the process serves, draining included, so that a liveness probe never
        // restarts a pod in the middle of the drain that /healthz and the gRPC health service report.
        app.MapGet("/livez", () => Results.Text("ok"));
        app.Lifetime.ApplicationStarted.Register(() => ServiceStartLog.Write(app));
        return app;
    }

    // grpc-dotnet binds generated services through an internal provider; ours binds them the same way with validating
    // request marshallers. Both at once would map every method twice, so its provider is taken out, and its absence
    // (a grpc-dotnet that binds differently) fails start-up rather than silently leaving UNKNOWN for bad bytes.
    private static void ReplaceMethodBinder(IServiceCollection services)
    {
        var binder = services.SingleOrDefault(d => d.ServiceType == typeof(IServiceMethodProvider<>) && d.ImplementationType?.Name == "BinderServiceMethodProvider`1")
            ?? throw new InvalidOperationException("grpc-dotnet's BinderServiceMethodProvider is not registered; the validating binder cannot replace it");
        services.Remove(binder);
        services.AddSingleton(typeof(IServiceMethodProvider<>), typeof(ValidatingServiceMethodProvider<>));
    }

    private static List<Google.Protobuf.Reflection.ServiceDescriptor> ReflectedDescriptors(IServiceProvider services)
    {
        var mapped = services.GetRequiredService<EndpointDataSource>().Endpoints
            .Select(e => e.Metadata.GetMetadata<GrpcMethodMetadata>()?.ServiceType)
            .OfType<Type>()
            .Distinct()
            .Select(DescriptorOf)
            .OfType<Google.Protobuf.Reflection.ServiceDescriptor>();
        return [.. mapped.Concat(services.GetServices<ReflectedService>().Select(s => s.Descriptor)).DistinctBy(d => d.FullName)];
    }

    // The generated class named by the implementation's BindServiceMethod attribute has a static Descriptor.
    private static Google.Protobuf.Reflection.ServiceDescriptor? DescriptorOf(Type serviceType)
    {
        for (Type? type = serviceType; type is not null; type = type.BaseType)
        {
            if (type.GetCustomAttribute<BindServiceMethodAttribute>(inherit: false) is { } bind)
            {
                return bind.BindType.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as Google.Protobuf.Reflection.ServiceDescriptor;
            }
        }

        return null;
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
