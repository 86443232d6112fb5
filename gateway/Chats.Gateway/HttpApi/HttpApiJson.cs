using System.Text.Encodings.Web;
using System.Text.Json;

namespace Chats.Gateway.HttpApi;

/// <summary>
/// The serializer metadata the HTTP API uses: <see cref="HttpApiJsonContext"/>'s, with the relaxed encoder, so that
/// quotes in messages and <c>+</c> in base64 are written as themselves rather than as <c>\u0027</c> and <c>\u002B</c>
/// (the answers are JSON, never embedded in HTML).
/// </summary>
internal static class HttpApiJson
{
    // The attribute's settings again (a context made with options of its own uses those), plus the encoder.
    public static HttpApiJsonContext Context { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
