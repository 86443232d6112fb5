using System.Diagnostics.CodeAnalysis;

namespace Chats.Sampler;

/// <summary>One configured replica address: a fixed <c>http://host:port</c>, or a <c>dns:///host:port</c> name to resolve.</summary>
/// <param name="Uri">The fixed address, when <see cref="IsDns"/> is false.</param>
/// <param name="Host">The host (a DNS name for dns:///).</param>
/// <param name="Port">The port.</param>
/// <param name="IsDns">True for dns:/// (every A/AAAA record is a replica).</param>
public sealed record ReplicaAddress(Uri? Uri, string Host, int Port, bool IsDns)
{
    /// <summary>Parses one address; on failure <paramref name="reason"/> says why.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out ReplicaAddress? address, [NotNullWhen(false)] out string? reason)
    {
        address = null;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            reason = "an address is required (http://host:port or dns:///host:port)";
            return false;
        }

        if (text.StartsWith("dns:///", StringComparison.OrdinalIgnoreCase))
        {
            string target = text["dns:///".Length..];
            if (Uri.TryCreate($"http://{target}", UriKind.Absolute, out var dns) && !dns.IsDefaultPort && dns.AbsolutePath == "/" && dns.Host.Length > 0)
            {
                address = new ReplicaAddress(null, dns.Host, dns.Port, IsDns: true);
                reason = null;
                return true;
            }

            reason = "a dns:/// address is dns:///host:port, with the port";
            return false;
        }

        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Host.Length > 0)
        {
            address = new ReplicaAddress(uri, uri.Host, uri.Port, IsDns: false);
            reason = null;
            return true;
        }

        reason = "not an http://host:port or dns:///host:port address";
        return false;
    }
}
