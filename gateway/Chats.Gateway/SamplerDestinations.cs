using System.Globalization;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace Chats.Gateway;

/// <summary>The sampler cluster's configured destinations, one per <see cref="GatewayOptions.Samplers"/> entry.</summary>
internal static class SamplerDestinations
{
    /// <summary>Destinations <c>sampler-0</c>, <c>sampler-1</c>, ….</summary>
    public static Dictionary<string, DestinationConfig> From(IReadOnlyList<Uri> samplers)
    {
        var destinations = new Dictionary<string, DestinationConfig>();
        for (int i = 0; i < samplers.Count; i++)
        {
            destinations[string.Create(CultureInfo.InvariantCulture, $"sampler-{i}")] = new DestinationConfig { Address = samplers[i].ToString() };
        }

        return destinations;
    }

    /// <summary>Null when <paramref name="uri"/> is a usable sampler address, else why not.</summary>
    public static string? Check(Uri uri) =>
        !uri.IsAbsoluteUri ? $"'{uri}' is not an absolute address; use http://host:port"
        : uri.Scheme is "http" or "https" ? null
        : $"'{uri}': scheme must be http or https";

    /// <summary>A sampler as statuses name it: <c>sampler sampler-1 (http://10.0.0.7:5000/)</c>.</summary>
    public static string Describe(DestinationState? destination) =>
        destination is null ? "sampler (none chosen)" : $"sampler {destination.DestinationId} ({destination.Model?.Config.Address})";
}
