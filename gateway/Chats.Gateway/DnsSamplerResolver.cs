using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.ServiceDiscovery;

namespace Chats.Gateway;

/// <summary>
/// Expands each <c>dns:///name:port</c> sampler into one destination per A/AAAA record (<c>sampler-0[10.0.0.7]</c>) and
/// asks YARP to resolve again after <see cref="GatewayOptions.DnsRefreshPeriod"/>, so a headless Service's pods come and
/// go as destinations. Other destinations pass through unchanged.
/// </summary>
/// <remarks>
/// YARP's own DnsDestinationResolver throws when a lookup fails, and a throwing reload leaves YARP polling only every five
/// minutes; a sampler Service briefly without pods must not do that, so a failed lookup keeps the addresses last seen.
/// A destination's id is its address, so a pod that stays keeps its health and load state across refreshes.
/// </remarks>
internal sealed class DnsSamplerResolver(IOptions<GatewayOptions> options, ILogger<DnsSamplerResolver> logger) : IDestinationResolver
{
    private readonly ConcurrentDictionary<string, IPAddress[]> _lastSeen = new();

    public async ValueTask<ResolvedDestinationCollection> ResolveDestinationsAsync(
        IReadOnlyDictionary<string, DestinationConfig> destinations, CancellationToken cancellationToken)
    {
        var resolved = new Dictionary<string, DestinationConfig>();
        bool anyName = false;
        foreach (var (id, config) in destinations)
        {
            if (config.Metadata?.GetValueOrDefault(SamplerDestinations.DnsNameKey) is not { } name)
            {
                resolved[id] = config;
                continue;
            }

            anyName = true;
            var placeholder = new Uri(config.Address);
            foreach (var address in await LookUpAsync(name, placeholder.Host, cancellationToken))
            {
                string host = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
                resolved[$"{id}[{address}]"] = config with { Address = $"{placeholder.Scheme}://{host}:{placeholder.Port}/" };
            }
        }

        var period = options.Value.DnsRefreshPeriod;
        // The token source is left to the collector: YARP holds the token until it fires, and then drops it.
        IChangeToken? refresh = anyName && period > TimeSpan.Zero
            ? new CancellationChangeToken(new CancellationTokenSource(period).Token)
            : null;
        return new ResolvedDestinationCollection(resolved, refresh);
    }

    private async Task<IPAddress[]> LookUpAsync(string name, string host, CancellationToken cancellationToken)
    {
        try
        {
            var addresses = (await Dns.GetHostAddressesAsync(host, cancellationToken))
                .Distinct()
                .OrderBy(a => a.ToString(), StringComparer.Ordinal)
                .ToArray();
            GatewayMetrics.DnsResolutions.WithLabels("ok").Inc();
            var previous = _lastSeen.GetValueOrDefault(name);
            if (previous is null || !previous.SequenceEqual(addresses))
            {
                logger.LogInformation("Sampler name {Name} resolved to {Count} address(es): {Addresses}", name, addresses.Length, string.Join(", ", addresses.Select(a => a.ToString())));
            }

            _lastSeen[name] = addresses;
            return addresses;
        }
        catch (Exception ex) when (ex is SocketException or ArgumentException)
        {
            GatewayMetrics.DnsResolutions.WithLabels("failed").Inc();
            var kept = _lastSeen.GetValueOrDefault(name) ?? [];
            logger.LogWarning(ex, "Resolving sampler name {Name} failed; keeping the {Count} address(es) seen last", name, kept.Length);
            return kept;
        }
    }
}
