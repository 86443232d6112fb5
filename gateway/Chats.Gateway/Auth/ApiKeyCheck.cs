namespace Chats.Gateway.Auth;

/// <summary>The outcome of checking a call's <c>authorization</c> metadata: the key, or why there is none.</summary>
/// <param name="Key">The caller's key; null when refused.</param>
/// <param name="Failure">The metric label of a refusal: missing, malformed or unknown.</param>
/// <param name="Detail">The refusal's status detail, naming the metadata; it never repeats the key.</param>
public sealed record ApiKeyCheck(ApiKey? Key, string? Failure, string? Detail)
{
    /// <summary>A known key.</summary>
    public static ApiKeyCheck Accepted(ApiKey key) => new(key, null, null);

    /// <summary>A refusal.</summary>
    public static ApiKeyCheck Refused(string failure, string detail) => new(null, failure, detail);
}
