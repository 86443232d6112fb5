using System.Text.Json.Serialization;

namespace Chats.Gateway.HttpApi;

/// <summary>
/// Source-generated JSON for the HTTP API: snake_case names as in OpenAI's API, nulls written (OpenAI's error
/// <c>param</c> is null, not absent), numbers only as JSON numbers.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(ImageGenerationRequest))]
[JsonSerializable(typeof(ImageGenerationResponse))]
[JsonSerializable(typeof(ApiErrorResponse))]
[JsonSerializable(typeof(StreamStartedEvent))]
[JsonSerializable(typeof(StreamProgressEvent))]
[JsonSerializable(typeof(StreamImageEvent))]
[JsonSerializable(typeof(StreamDoneEvent))]
[JsonSerializable(typeof(StreamErrorEvent))]
internal sealed partial class HttpApiJsonContext : JsonSerializerContext;
