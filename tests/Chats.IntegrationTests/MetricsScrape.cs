namespace Chats.IntegrationTests;

/// <summary>Reads the process-wide Prometheus exposition (every in-process service shares one registry).</summary>
internal static class MetricsScrape
{
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
                return double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    public static string Requests(string service, string method, string code)
        => $"chats_grpc_requests_total{{service=\"{service}\",method=\"{method}\",code=\"{code}\"}}";
}
