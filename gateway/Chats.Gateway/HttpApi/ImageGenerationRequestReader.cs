using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace Chats.Gateway.HttpApi;

/// <summary>
/// Reads the JSON body of a generation request within <see cref="GatewayHttpOptions.MaxHttpRequestBytes"/>. What is
/// wrong with the body is said in terms of the request: a member of the wrong type names that member.
/// </summary>
internal static class ImageGenerationRequestReader
{
    public static async Task<ImageGenerationRequest> ReadAsync(HttpContext context, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Request.ContentLength > maxBytes)
        {
            throw new HttpApiException(HttpApiFailure.TooLarge(maxBytes));
        }

        // Kestrel enforces the limit on a chunked body as it is read (and its own 30 MB default is far too much here).
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }

        try
        {
            return await JsonSerializer.DeserializeAsync(context.Request.Body, HttpApiJson.Context.ImageGenerationRequest, context.RequestAborted)
                ?? throw new HttpApiException(HttpApiFailure.BadRequest(null, "request body: must be a JSON object, not null"));
        }
        catch (BadHttpRequestException tooLarge) when (tooLarge.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new HttpApiException(HttpApiFailure.TooLarge(maxBytes));
        }
        catch (JsonException json)
        {
            throw new HttpApiException(Describe(json));
        }
    }

    private static HttpApiFailure Describe(JsonException json)
    {
        string? member = json.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
        // The serializer's own words for a value of the wrong type; anything else is the reader's (not JSON at all).
        if (!json.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal))
        {
            return HttpApiFailure.BadRequest(null, $"request body: not valid JSON ({FirstSentence(json.Message)})");
        }

        return member is null
            ? HttpApiFailure.BadRequest(null, "request body: must be a JSON object")
            : HttpApiFailure.BadRequest(member, $"{member}: must be {Expected(member)}");
    }

    private static string Expected(string member) => member switch
    {
        "n" or "steps" => "an integer",
        "seed" => "a non-negative integer (at most 18446744073709551615)",
        "guidance_scale" or "alpha" => "a number",
        _ => "a string",
    };

    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (end > 0 ? message[..end] : message).TrimEnd('.');
    }
}
