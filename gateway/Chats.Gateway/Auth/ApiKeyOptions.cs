namespace Chats.Gateway.Auth;

/// <summary>
/// One API key, an item of <c>Gateway:Auth:Keys</c>: a name and the key's SHA-256, never the key itself. Limits left
/// unset take the <c>Gateway:Auth:Default…</c> values; 0 means no limit.
/// </summary>
public sealed record ApiKeyOptions
{
    /// <summary>The key's name, as refusals, logs and limits name it (never the key): unique, case-insensitively.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>The lower-case hex SHA-256 of the key's UTF-8 bytes (<c>./chats gateway hash-key</c>).</summary>
    public string Sha256 { get; init; } = string.Empty;

    /// <summary>Calls a minute, replenished evenly over the minute (<see cref="GatewayAuthOptions.DefaultRequestsPerMinute"/> when unset).</summary>
    public int? RequestsPerMinute { get; init; }

    /// <summary>Calls that may arrive at once before the per-minute rate applies (<see cref="RequestsPerMinute"/> when unset).</summary>
    public int? Burst { get; init; }

    /// <summary>Generations running at once (<see cref="GatewayAuthOptions.DefaultMaxConcurrentGenerations"/> when unset).</summary>
    public int? MaxConcurrentGenerations { get; init; }

    /// <summary>The key may choose its arm with the <c>x-chats-arm-override</c> header.</summary>
    public bool AllowArmOverride { get; init; }
}
