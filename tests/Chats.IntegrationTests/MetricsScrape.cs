using System.Globalization;

namespace Chats.IntegrationTests;

/// <summary>Reads one series from a host's Prometheus endpoint (the registry is per process: compare before and after).</summary>
internal static class MetricsScrape
{
    /// <summary>The value of <paramref name="series"/> (name and labels exactly as exported), 0 when absent.</summary>
    public static async Task<double> ValueAsync(Uri httpAddress, string series, CancellationToken ct)
    {
        using var http = new HttpClient();
        string text = await http.GetStringAsync(new Uri(httpAddress, "metrics"), ct);
        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
