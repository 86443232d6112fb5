using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Chats.ServiceDefaults;

/// <summary>The one line each service logs once it listens: where, and how it reports (nothing secret).</summary>
internal static partial class ServiceStartLog
{
    public static void Write(WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Chats.ServiceDefaults.Startup");
        var identity = app.Services.GetRequiredService<ServiceIdentity>();
        var endpoints = app.Services.GetRequiredService<IOptions<EndpointOptions>>().Value;
        var telemetry = app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value;
        var limit = app.Services.GetRequiredService<ReceiveLimit>();
        // The endpoint is an address, not a credential (collector credentials go in OTEL_EXPORTER_OTLP_HEADERS).
        string tracing = telemetry.ExporterEndpoint() is { } endpoint
            ? $"OTLP {telemetry.OtlpProtocol} to {endpoint.GetLeftPart(UriPartial.Path)}, sample ratio {telemetry.SampleRatio}"
            : "off";
        Started(logger, identity.Name, string.Join(", ", app.BoundAddresses()), endpoints.DrainTimeout, limit.Bytes, tracing);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "{Service} listening on {Addresses}; drain timeout {DrainTimeout}, receive limit {ReceiveLimitBytes} bytes, tracing {Tracing}")]
    private static partial void Started(ILogger logger, string service, string addresses, TimeSpan drainTimeout, int receiveLimitBytes, string tracing);
}
