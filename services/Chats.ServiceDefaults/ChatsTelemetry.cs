using System.Text;
using Chats.Core.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Chats.ServiceDefaults;

/// <summary>
/// OpenTelemetry tracing for every host, from <see cref="TelemetryOptions"/>. With no exporter configured nothing is
/// registered: the <c>Chats</c> source has no listener and its spans are never created.
/// </summary>
internal static class ChatsTelemetry
{
    /// <summary>The default <c>service.name</c> of a host assembly: <c>Chats.TextEncoder</c> → <c>chats-text-encoder</c>.</summary>
    public static string ServiceNameOf(string assemblyName)
    {
        var name = new StringBuilder(assemblyName.Length + 4);
        foreach (char c in assemblyName)
        {
            if (c == '.')
            {
                name.Append('-');
                continue;
            }

            if (char.IsUpper(c) && name.Length > 0 && name[^1] != '-')
            {
                name.Append('-');
            }

            name.Append(char.ToLowerInvariant(c));
        }

        return name.ToString();
    }

    /// <summary>Binds and validates <see cref="TelemetryOptions"/>; registers tracing when an exporter is configured.</summary>
    public static void AddChatsTelemetry(WebApplicationBuilder builder, string defaultServiceName)
    {
        builder.AddValidatedOptions<TelemetryOptions>(TelemetryOptions.Section);
        var telemetry = builder.Snapshot<TelemetryOptions>(TelemetryOptions.Section);
        // A bad endpoint is left to validation, which fails Build naming the key; there is nothing to export to.
        if (telemetry.ExporterEndpoint() is not { } endpoint)
        {
            return;
        }

        string serviceName = string.IsNullOrWhiteSpace(telemetry.ServiceName) ? defaultServiceName : telemetry.ServiceName;
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing => tracing
                // The root (the gateway, or whichever service a call enters first) decides; the rest follow its
                // traceparent, so a generation's trace is kept or dropped whole.
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(telemetry.SampleRatio)))
                .AddSource(ChatsTracing.SourceName)
                .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = IsTraced)
                .AddGrpcClientInstrumentation()
                // The gateway's proxied calls: YARP's forwarder span (route, cluster, destination), then the outgoing
                // request of HttpClient's handler, which carries the traceparent to the sampler.
                .AddSource("Yarp.ReverseProxy")
                .AddSource("System.Net.Http")
                .AddOtlpExporter(otlp =>
                {
                    otlp.Endpoint = endpoint;
                    otlp.Protocol = telemetry.OtlpProtocol == TelemetryOptions.HttpProtobufProtocol
                        ? OtlpExportProtocol.HttpProtobuf
                        : OtlpExportProtocol.Grpc;
                }));
    }

    // Scrapes, probes and health checks arrive every few seconds and say nothing about a generation.
    private static bool IsTraced(HttpContext context)
    {
        var path = context.Request.Path;
        return !(path.StartsWithSegments("/metrics") || path.StartsWithSegments("/healthz")
            || path.StartsWithSegments("/grpc.health.v1.Health") || path.StartsWithSegments("/grpc.reflection"));
    }
}
