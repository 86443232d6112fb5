using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Chats.Gateway;

/// <summary>One configuration's arms: the cumulative weights a client key's hash falls into, and the salt.</summary>
internal sealed class ArmTable
{
    private readonly List<ExperimentArm> _weighted;
    private readonly double _total;
    private readonly string _salt;

    public ArmTable(GatewayOptions options)
    {
        Arms = options.EffectiveArms;
        _weighted = [.. Arms.Where(a => a.Weight > 0)];
        _total = _weighted.Sum(a => a.Weight);
        _salt = options.ExperimentSalt;
    }

    /// <summary>Every arm in force, those with weight 0 (reachable only by override) included.</summary>
    public IReadOnlyList<ExperimentArm> Arms { get; }

    /// <summary>For logs, and to tell a reload that changed nothing: <c>chats (chats) 0.5, cfg (cfg) 0.5; salt chats-ab-v1</c>.</summary>
    public string Description => Arms.Count == 0
        ? "no split"
        : string.Join(", ", Arms.Select(a => string.Create(CultureInfo.InvariantCulture, $"{a.Name} ({a.Mode}) {a.Weight}"))) + $"; salt {_salt}";

    public ExperimentArm? Assign(string clientKey)
    {
        if (_weighted.Count == 0)
        {
            return null;
        }

        double point = UnitInterval(clientKey) * _total;
        double cumulative = 0;
        foreach (var arm in _weighted)
        {
            cumulative += arm.Weight;
            if (point < cumulative)
            {
                return arm;
            }
        }

        return _weighted[^1];
    }

    private double UnitInterval(string clientKey)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(_salt + "\n" + clientKey), hash);
        return (BinaryPrimitives.ReadUInt64BigEndian(hash) >> 11) * (1.0 / (1UL << 53));
    }
}
