using Chats.Client;

namespace Chats.IntegrationTests;

/// <summary>SDK settings for tests of the services themselves.</summary>
internal static class SdkClients
{
    /// <summary>
    /// One attempt per call: tests of refusals, drains and server-side failover must see what the services answered,
    /// not what the SDK's retries made of it (SdkTests cover those).
    /// </summary>
    public static ChatsClientOptions WithoutRetries() => new() { Retry = { MaxAttempts = 1 } };
}
