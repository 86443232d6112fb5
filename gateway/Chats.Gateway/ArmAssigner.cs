using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Chats.Gateway;

/// <summary>
/// Deterministic weighted assignment: a client key hashes (with the experiment salt) to a point in [0, 1),
/// which falls into one arm's share of the cumulative weights. No state, so it is sticky across gateway
/// replicas and restarts for as long as the salt and weights stay the same.
/// </summary>
public sealed class ArmAssigner
{
    private readonly List<ExperimentArm> _arms;
    private readonly double _total;
    private readonly string _salt;

    /// <summary>Creates the assigner from validated options.</summary>
    public ArmAssigner(IOptions<GatewayOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _arms = options.Value.EffectiveArms.Where(a => a.Weight > 0).ToList();
        _total = _arms.Sum(a => a.Weight);
        _salt = options.Value.ExperimentSalt;
    }

    /// <summary>The arm of <paramref name="clientKey"/>, or null when no split is configured.</summary>
    public ExperimentArm? Assign(string clientKey)
    {
        if (_arms.Count == 0)
        {
            return null;
        }

        double point = UnitInterval(clientKey) * _total;
        double cumulative = 0;
        foreach (var arm in _arms)
        {
            cumulative += arm.Weight;
            if (point < cumulative)
            {
                return arm;
            }
        }

        return _arms[^1];
    }

    private double UnitInterval(string clientKey)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(_salt + "\n" + clientKey), hash);
        return (BinaryPrimitives.ReadUInt64BigEndian(hash) >> 11) * (1.0 / (1UL << 53));
    }
}
