using System.ComponentModel;

namespace Chats.Sampler;

/// <summary>
/// The addresses of one role's replicas, bound from either form: a single value (<c>Sampler:Preferred=URL</c>) or
/// indexed keys (<c>Sampler:Preferred:0=URL</c>, <c>Sampler:Preferred:1=URL</c>). Each is <c>http://host:port</c> (one
/// replica) or <c>dns:///host:port</c> (every address the name resolves to, re-resolved while running: a Kubernetes
/// headless Service).
/// </summary>
[TypeConverter(typeof(ReplicaAddressesConverter))]
public sealed class ReplicaAddresses : List<string>
{
    /// <summary>An empty list (the role is not deployed).</summary>
    public ReplicaAddresses()
    {
    }

    /// <summary>The given addresses.</summary>
    public ReplicaAddresses(IEnumerable<string> addresses)
        : base(addresses)
    {
    }

    /// <summary>The addresses parsed, or the first problem as <c>key = 'value': reason</c>.</summary>
    public (IReadOnlyList<ReplicaAddress> Parsed, string? Error) Parse(string key)
    {
        var parsed = new List<ReplicaAddress>();
        for (int i = 0; i < Count; i++)
        {
            string itemKey = Count == 1 ? key : $"{key}:{i}";
            if (!ReplicaAddress.TryParse(this[i], out var address, out string? reason))
            {
                return ([], $"{itemKey} = '{this[i]}': {reason}");
            }

            parsed.Add(address);
        }

        return (parsed, null);
    }
}
