using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Chats.IntegrationTests;

/// <summary>
/// Counts what one host in this process has served, from ASP.NET Core's own <c>http.server.*</c> metrics of that host:
/// requests received (on any port) and Generate calls finished with HTTP 200. The Prometheus counters cannot tell two
/// samplers in one process apart (prometheus-net has one registry per process), while the hosting meter is created
/// by each host's <see cref="IMeterFactory"/>, whose instance is the meter's scope.
/// </summary>
internal sealed class HostRequestCounter : IDisposable
{
    private const string HostingMeter = "Microsoft.AspNetCore.Hosting";
    private const string GenerateRoute = "/chats.v1.Sampler/Generate";
    private readonly MeterListener _listener = new();
    private int _received;
    private int _generations;

    public HostRequestCounter(WebApplication app)
    {
        var meters = app.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meters)
                && instrument.Meter.Name == HostingMeter
                && instrument.Name is "http.server.active_requests" or "http.server.request.duration")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        // active_requests goes +1 when a request arrives and -1 when it ends: the +1s count the arrivals.
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
        {
            if (value > 0)
            {
                Interlocked.Increment(ref _received);
            }
        });
        _listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            if (IsFinishedGenerate(tags))
            {
                Interlocked.Increment(ref _generations);
            }
        });
        _listener.Start();
    }

    /// <summary>Requests that have reached the host, finished or not.</summary>
    public int Received => Volatile.Read(ref _received);

    /// <summary>Generate calls the host has finished with HTTP 200 (gRPC's status travels in the trailers).</summary>
    public int Generations => Volatile.Read(ref _generations);

    public void Dispose() => _listener.Dispose();

    private static bool IsFinishedGenerate(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        bool route = false;
        bool ok = false;
        foreach (var (key, value) in tags)
        {
            route |= key == "http.route" && value as string == GenerateRoute;
            ok |= key == "http.response.status_code" && value is int status && status == 200;
        }

        return route && ok;
    }
}
