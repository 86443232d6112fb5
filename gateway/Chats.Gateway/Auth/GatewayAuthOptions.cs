using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace Chats.Gateway.Auth;

/// <summary>
/// API keys and per-key limits at the gateway, section <c>Gateway:Auth</c>. Read at start-up (a key change needs a
/// restart); only the A/B arms reload.
/// </summary>
public sealed record GatewayAuthOptions : IValidatableObject
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Gateway:Auth";

    /// <summary>When true, every Sampler call (and reflection) needs <c>authorization: Bearer &lt;key&gt;</c> with a listed key.</summary>
    public bool Enabled { get; init; }

    /// <summary>The keys, by name and hash.</summary>
    public IReadOnlyList<ApiKeyOptions> Keys { get; init; } = [];

    /// <summary>Calls a minute of a key that sets none (60); 0 means no limit.</summary>
    [Range(0, int.MaxValue)]
    public int DefaultRequestsPerMinute { get; init; } = 60;

    /// <summary>Generations at once of a key that sets none (4); 0 means no limit.</summary>
    [Range(0, int.MaxValue)]
    public int DefaultMaxConcurrentGenerations { get; init; } = 4;

    /// <summary>With auth off: calls a minute of all callers together (0, the default: no limit).</summary>
    [Range(0, int.MaxValue)]
    public int AnonymousRequestsPerMinute { get; init; }

    /// <summary>With auth off: generations at once of all callers together (0, the default: no limit).</summary>
    [Range(0, int.MaxValue)]
    public int AnonymousMaxConcurrentGenerations { get; init; }

    /// <summary>With auth off: honour <c>x-chats-arm-override</c> from anyone (false: refused with PERMISSION_DENIED).</summary>
    public bool AllowArmOverrideWithoutAuth { get; init; }

    /// <summary>Configuration key of item <paramref name="index"/>'s <paramref name="property"/>.</summary>
    public static string KeyPath(int index, string property) => string.Create(CultureInfo.InvariantCulture, $"{Section}:Keys:{index}:{property}");

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Enabled && Keys.Count == 0)
        {
            yield return new ValidationResult($"{Section}:Enabled is true but {Section}:Keys lists no key: add one ({Section}:Keys:0:Name and :Sha256) or turn auth off");
        }

        var names = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var hashes = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < Keys.Count; i++)
        {
            var key = Keys[i];
            if (string.IsNullOrWhiteSpace(key.Name))
            {
                yield return new ValidationResult($"{KeyPath(i, nameof(ApiKeyOptions.Name))}: required, and not set");
            }
            else if (!names.TryAdd(key.Name, i))
            {
                yield return new ValidationResult($"{KeyPath(i, nameof(ApiKeyOptions.Name))} = '{key.Name}': {KeyPath(names[key.Name], nameof(ApiKeyOptions.Name))} has the same name; names must be unique");
            }

            // The value is never shown: a common mistake is to paste the key itself here.
            if (!ApiKeyStore.IsHash(key.Sha256))
            {
                yield return new ValidationResult($"{KeyPath(i, nameof(ApiKeyOptions.Sha256))} (key '{key.Name}'): not 64 hex digits; set the lower-case hex SHA-256 of the key (./chats gateway hash-key), never the key itself (the value is not shown, in case it is one)");
            }
            else if (!hashes.TryAdd(key.Sha256, i))
            {
                yield return new ValidationResult($"{KeyPath(i, nameof(ApiKeyOptions.Sha256))} (key '{key.Name}'): the same hash as {KeyPath(hashes[key.Sha256], nameof(ApiKeyOptions.Sha256))}; each key needs its own");
            }

            foreach (var (property, value) in new[]
            {
                (nameof(ApiKeyOptions.RequestsPerMinute), key.RequestsPerMinute),
                (nameof(ApiKeyOptions.Burst), key.Burst),
                (nameof(ApiKeyOptions.MaxConcurrentGenerations), key.MaxConcurrentGenerations),
            })
            {
                if (value < 0)
                {
                    yield return new ValidationResult(string.Create(CultureInfo.InvariantCulture, $"{KeyPath(i, property)} (key '{key.Name}') = '{value}': out of range; use 0 (no limit) or more"));
                }
            }

            if (key.Burst == 0 && (key.RequestsPerMinute ?? DefaultRequestsPerMinute) > 0)
            {
                yield return new ValidationResult($"{KeyPath(i, nameof(ApiKeyOptions.Burst))} (key '{key.Name}') = '0': out of range; use 1 or more (or leave it unset: the per-minute rate)");
            }
        }
    }
}
