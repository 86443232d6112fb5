using System.ComponentModel.DataAnnotations;

namespace Chats.ServiceDefaults;

/// <summary>
/// OpenTelemetry tracing. Bound from the <c>Telemetry</c> configuration section. Off unless
/// <see cref="OtlpEndpoint"/> is set: then every span of the <c>Chats</c> source, the ASP.NET Core server spans and the
/// outgoing gRPC / HTTP client spans are exported over OTLP.
/// </summary>
public sealed record TelemetryOptions : IValidatableObject
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Telemetry";

    /// <summary>The OTLP/gRPC protocol name (<see cref="OtlpProtocol"/>).</summary>
    public const string GrpcProtocol = "grpc";

    /// <summary>The OTLP/HTTP protobuf protocol name (<see cref="OtlpProtocol"/>).</summary>
    public const string HttpProtobufProtocol = "http/protobuf";

    /// <summary>
    /// The collector, e.g. <c>http://otel-collector:4317</c> (OTLP/gRPC) or <c>http://jaeger:4318</c> with
    /// <see cref="OtlpProtocol"/> <c>http/protobuf</c> (<c>/v1/traces</c> is added when the address has no path).
    /// Empty (the default): no exporter, and no tracer is registered at all.
    /// </summary>
    public string OtlpEndpoint { get; init; } = string.Empty;

    /// <summary><c>grpc</c> (the default, port 4317 by convention) or <c>http/protobuf</c> (port 4318).</summary>
    public string OtlpProtocol { get; init; } = GrpcProtocol;

    /// <summary>The exported <c>service.name</c>; empty: the service's own name (chats-sampler, chats-gateway, ...).</summary>
    public string ServiceName { get; init; } = string.Empty;

    /// <summary>
    /// Share of traces kept, decided once at the root (the gateway) and followed downstream from the
    /// <c>traceparent</c> sampled flag, so a trace is kept whole or not at all.
    /// </summary>
    [Range(0.0, 1.0)]
    public double SampleRatio { get; init; } = 1.0;

    /// <summary>True when an exporter is configured.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(OtlpEndpoint);

    /// <summary>The endpoint the exporter posts to (null when off or not an absolute http(s) address).</summary>
    public Uri? ExporterEndpoint()
    {
        if (!Enabled || !Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return null;
        }

        // The OTLP/HTTP exporter posts to the address as given; a bare collector address means its traces path.
        return OtlpProtocol == HttpProtobufProtocol && uri.AbsolutePath is "" or "/" ? new Uri(uri, "v1/traces") : uri;
    }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Enabled && ExporterEndpoint() is null)
        {
            yield return new ValidationResult(
                $"{Section}:{nameof(OtlpEndpoint)} = '{OtlpEndpoint}': not an absolute http:// or https:// address (e.g. http://otel-collector:4317); leave it empty to export nothing",
                [nameof(OtlpEndpoint)]);
        }

        if (OtlpProtocol is not (GrpcProtocol or HttpProtobufProtocol))
        {
            yield return new ValidationResult(
                $"{Section}:{nameof(OtlpProtocol)} = '{OtlpProtocol}': use {GrpcProtocol} or {HttpProtobufProtocol}", [nameof(OtlpProtocol)]);
        }
    }
}
