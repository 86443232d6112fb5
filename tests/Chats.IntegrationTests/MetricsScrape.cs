using System.Globalization;

namespace Chats.IntegrationTests;

/// <summary>
/// Reads Prometheus expositions: a host's endpoint (a child process has its own registry) or the process-wide one
/// (every in-process service shares one registry). Compare before and after.
/// </summary>
internal static class MetricsScrape
{
    /// <summary>The value of <paramref name="series"/> (name and labels exactly as exported) at a host, 0 when absent.</summary>
    public static async Task<double> ValueAsync(Uri httpAddress, string series, CancellationToken ct)
    {
        using var http = new HttpClient();
        return Value(await http.GetStringAsync(new Uri(httpAddress, "metrics"), ct), series);
    }

    /// <summary>The in-process registry's exposition, through the running system's sampler.</summary>
    public static async Task<string> ReadAsync(ChatsSystemFixture fixture, CancellationToken ct)
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(new Uri(fixture.System.Services["sampler"].Http, "metrics"), ct);
    }

    /// <summary>The value of one series (0 when it has not been written yet).</summary>
    public static double Value(string exposition, string series)
    {
        foreach (string line in exposition.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    public static string Requests(string service, string method, string code)
        => $"chats_grpc_requests_total{{service=\"{service}\",method=\"{method}\",code=\"{code}\"}}";
}
