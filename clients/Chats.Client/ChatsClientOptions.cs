namespace Chats.Client;

/// <summary>Settings of a <see cref="ChatsClient"/>.</summary>
public sealed record ChatsClientOptions
{
    /// <summary>Identifies the caller for sticky A/B assignment (sent as <c>x-client-key</c>); null lets the gateway use the peer address.</summary>
    public string? ClientKey { get; init; }

    /// <summary>Deadline applied to each generation when the caller gives no cancellation; null for none.</summary>
    public TimeSpan? Timeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Largest response message accepted (PNG bytes); gRPC's default 4 MB is too small for big images.</summary>
    public int MaxReceiveMessageSize { get; init; } = 64 * 1024 * 1024;
}
