using System.Globalization;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace Chats.Gateway;

/// <summary>The sampler cluster's configured destinations, one per <see cref="GatewayOptions.Samplers"/> entry.</summary>
internal static class SamplerDestinations
{
    /// <summary>Metadata key marking a destination as a DNS name that <see cref="DnsSamplerResolver"/> expands.</summary>
    public const string DnsNameKey = "chats.dns-name";

    /// <summary>Destinations <c>sampler-0</c>, <c>sampler-1</c>, …; a <c>dns:///</c> entry keeps its name in metadata.</summary>
    public static Dictionary<string, DestinationConfig> From(IReadOnlyList<Uri> samplers)
    {
        var destinations = new Dictionary<string, DestinationConfig>();
        for (int i = 0; i < samplers.Count; i++)
        {
            string id = string.Create(CultureInfo.InvariantCulture, $"sampler-{i}");
            destinations[id] = TryParseDns(samplers[i], out string? host, out int port)
                ? new DestinationConfig
                {
                    // A placeholder until the resolver replaces it by one destination per address.
                    Address = $"http://{host}:{port}/",
                    Host = $"{host}:{port}",
                    Metadata = new Dictionary<string, string> { [DnsNameKey] = samplers[i].ToString() },
                }
                : new DestinationConfig { Address = samplers[i].ToString() };
        }

        return destinations;
    }

    /// <summary>Null when <paramref name="uri"/> is a usable sampler address, else why not.</summary>
    public static string? Check(Uri uri)
    {
        if (!uri.IsAbsoluteUri)
        {
            return $"'{uri}' is not an absolute address; use http://host:port or dns:///name:port";
        }

        if (uri.Scheme == "dns")
        {
            return TryParseDns(uri, out _, out _)
                ? null
                : $"'{uri}' is not dns:///name:port (a DNS server in the authority is not supported)";
        }

        return uri.Scheme is "http" or "https" ? null : $"'{uri}': scheme must be http, https or dns";
    }

    /// <summary>Parses gRPC's <c>dns:///name:port</c> form (empty authority: the system resolver).</summary>
    public static bool TryParseDns(Uri uri, out string? host, out int port)
    {
        host = null;
        port = 0;
        if (!uri.IsAbsoluteUri || uri.Scheme != "dns" || uri.Authority.Length != 0)
        {
            return false;
        }

        string target = uri.AbsolutePath.TrimStart('/');
        int colon = target.LastIndexOf(':');
        if (colon <= 0 || target.IndexOf(':', StringComparison.Ordinal) != colon
            || !int.TryParse(target.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port)
            || port is < 1 or > 65535)
        {
            return false;
        }

        host = target[..colon];
        return Uri.CheckHostName(host) == UriHostNameType.Dns;
    }

    /// <summary>A sampler as statuses name it: <c>sampler sampler-1 (http://10.0.0.7:5000/)</c>.</summary>
    public static string Describe(DestinationState? destination) =>
        destination is null ? "sampler (none chosen)" : $"sampler {destination.DestinationId} ({destination.Model?.Config.Address})";
}
