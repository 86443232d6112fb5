using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Chats.Gateway.Auth;

/// <summary>
/// The configured API keys, held as SHA-256 hashes only. A presented key is hashed and compared with every stored hash
/// in constant time, so neither the comparison nor the number of hashes tried says how close a guess was.
/// </summary>
public sealed class ApiKeyStore
{
    /// <summary>The scheme of the credential: <c>authorization: Bearer &lt;key&gt;</c>.</summary>
    public const string Scheme = "Bearer";

    private const string Usage = "send the metadata 'authorization: Bearer <key>' with an API key of this gateway";
    private readonly (byte[] Hash, ApiKey Key)[] _keys;

    /// <summary>Builds the store from validated options.</summary>
    public ApiKeyStore(IOptions<GatewayAuthOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var auth = options.Value;
        _keys = [.. auth.Keys.Select((k, i) => (Convert.FromHexString(k.Sha256), Resolve(auth, k, i)))];
    }

    /// <summary>Every configured key.</summary>
    public IReadOnlyList<ApiKey> Keys => [.. _keys.Select(k => k.Key)];

    /// <summary>The lower-case hex SHA-256 of <paramref name="key"/>'s UTF-8 bytes: what <c>Sha256</c> holds.</summary>
    public static string Hash(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }

    /// <summary>True when <paramref name="value"/> is 64 hex digits.</summary>
    public static bool IsHash(string? value) => value is { Length: 64 } && value.All(char.IsAsciiHexDigit);

    /// <summary>The key whose hash matches <paramref name="presented"/>, or null.</summary>
    public ApiKey? Find(string presented)
    {
        ArgumentNullException.ThrowIfNull(presented);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), hash);
        ApiKey? found = null;
        // Every stored hash is compared, with no early exit.
        foreach (var (stored, key) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, stored))
            {
                found = key;
            }
        }

        return found;
    }

    /// <summary>Checks an <c>authorization</c> value (null or empty when the call sent none).</summary>
    public ApiKeyCheck Authenticate(string? authorization)
    {
        if (string.IsNullOrEmpty(authorization))
        {
            return ApiKeyCheck.Refused("missing", $"authorization: missing; this gateway requires an API key: {Usage}");
        }

        string value = authorization.Trim();
        int space = value.IndexOf(' ', StringComparison.Ordinal);
        string presented = space < 0 ? string.Empty : value[(space + 1)..].TrimStart(' ');
        if (space < 0 || !value.AsSpan(0, space).Equals(Scheme, StringComparison.OrdinalIgnoreCase) || presented.Length == 0
            || presented.Any(char.IsWhiteSpace))
        {
            return ApiKeyCheck.Refused("malformed", $"authorization: not of the form 'Bearer <key>'; {Usage}");
        }

        return Find(presented) is { } key
            ? ApiKeyCheck.Accepted(key)
            : ApiKeyCheck.Refused("unknown", "authorization: the API key is not one of this gateway's keys (Gateway:Auth:Keys)");
    }

    private static ApiKey Resolve(GatewayAuthOptions auth, ApiKeyOptions key, int index)
    {
        int perMinute = key.RequestsPerMinute ?? auth.DefaultRequestsPerMinute;
        return new ApiKey(
            key.Name,
            perMinute,
            key.Burst ?? Math.Max(perMinute, 1),
            key.MaxConcurrentGenerations ?? auth.DefaultMaxConcurrentGenerations,
            key.AllowArmOverride,
            key.RequestsPerMinute is null ? $"{GatewayAuthOptions.Section}:{nameof(GatewayAuthOptions.DefaultRequestsPerMinute)}" : GatewayAuthOptions.KeyPath(index, nameof(ApiKeyOptions.RequestsPerMinute)),
            key.MaxConcurrentGenerations is null ? $"{GatewayAuthOptions.Section}:{nameof(GatewayAuthOptions.DefaultMaxConcurrentGenerations)}" : GatewayAuthOptions.KeyPath(index, nameof(ApiKeyOptions.MaxConcurrentGenerations)));
    }
}
