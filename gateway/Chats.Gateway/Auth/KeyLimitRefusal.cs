namespace Chats.Gateway.Auth;

/// <summary>A call over one of its caller's limits.</summary>
/// <param name="Limit">The metric label: requests_per_minute or concurrent_generations.</param>
/// <param name="Detail">The RESOURCE_EXHAUSTED detail, naming the limit, its setting and the key's name, ending <c>retry in …</c>.</param>
/// <param name="RetryAfter">The wait for the <c>retry-after-ms</c> trailer.</param>
internal sealed record KeyLimitRefusal(string Limit, string Detail, TimeSpan RetryAfter);
