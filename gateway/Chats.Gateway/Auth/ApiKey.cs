namespace Chats.Gateway.Auth;

/// <summary>A configured key as the gateway uses it: its name, its limits with defaults applied, and where each was set.</summary>
/// <param name="Name">The key's name (what refusals and logs say, never the key).</param>
/// <param name="RequestsPerMinute">Calls a minute; 0 is no limit.</param>
/// <param name="Burst">Calls at once before the rate applies.</param>
/// <param name="MaxConcurrentGenerations">Generations at once; 0 is no limit.</param>
/// <param name="AllowArmOverride">May choose its arm (<c>x-chats-arm-override</c>).</param>
/// <param name="RateSetting">The configuration key that set <paramref name="RequestsPerMinute"/>.</param>
/// <param name="ConcurrencySetting">The configuration key that set <paramref name="MaxConcurrentGenerations"/>.</param>
public sealed record ApiKey(
    string Name,
    int RequestsPerMinute,
    int Burst,
    int MaxConcurrentGenerations,
    bool AllowArmOverride,
    string RateSetting,
    string ConcurrencySetting);
