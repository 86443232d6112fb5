namespace Chats.Gateway.HttpApi;

/// <summary>Marks the endpoints that answer on the HTTP API port (and only there).</summary>
internal sealed class HttpApiEndpointMetadata
{
    public static readonly HttpApiEndpointMetadata Instance = new();
}
