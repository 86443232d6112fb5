using System.Globalization;
using System.Text;
using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;

namespace Chats.Gateway;

/// <summary>Writes a gRPC status the way a gRPC server does, for statuses the gateway produces itself.</summary>
internal static class GrpcStatusResponse
{
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string PushbackHeader = "grpc-retry-pushback-ms";

    /// <summary>A response with no messages: status and message in the headers, which end the stream.</summary>
    public static void WriteTrailersOnly(HttpResponse response, StatusCode code, string detail, TimeSpan? pushback = null)
    {
        response.Clear();
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        Set(response.Headers, code, detail, pushback);
    }

    /// <summary>Ends a response whose headers (and maybe messages) are already sent, with the status in its trailers.</summary>
    public static void AppendTrailers(HttpResponse response, StatusCode code, string detail)
    {
        var trailers = response.HttpContext.Features.Get<IHttpResponseTrailersFeature>()?.Trailers
            ?? throw new InvalidOperationException("the response does not support trailers (gRPC needs HTTP/2)");
        Set(trailers, code, detail, pushback: null);
    }

    /// <summary>The status the client will read: grpc-status in the trailers, else in the headers (trailers-only).</summary>
    public static StatusCode? Read(HttpResponse response)
    {
        var trailers = response.HttpContext.Features.Get<IHttpResponseTrailersFeature>()?.Trailers;
        string? value = trailers is not null && trailers.TryGetValue(StatusHeader, out var t) ? t.ToString()
            : response.Headers.TryGetValue(StatusHeader, out var h) ? h.ToString()
            : null;
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int code) ? (StatusCode)code : null;
    }

    /// <summary>gRPC's percent-encoding of grpc-message: printable ASCII except '%' as is, every other UTF-8 byte as %XX.</summary>
    public static string Encode(string message)
    {
        var encoded = new StringBuilder(message.Length);
        foreach (byte b in Encoding.UTF8.GetBytes(message))
        {
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%')
            {
                encoded.Append((char)b);
            }
            else
            {
                encoded.Append(CultureInfo.InvariantCulture, $"%{b:X2}");
            }
        }

        return encoded.ToString();
    }

    private static void Set(IHeaderDictionary headers, StatusCode code, string detail, TimeSpan? pushback)
    {
        headers[StatusHeader] = ((int)code).ToString(CultureInfo.InvariantCulture);
        headers[MessageHeader] = Encode(detail);
        if (pushback is { } wait)
        {
            string ms = ((long)wait.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
            headers[PushbackHeader] = ms;
            // The hint every Chats service gives with RESOURCE_EXHAUSTED (the SDK's RetryHints reads it).
            headers[ServiceDefaults.RetryHint.TrailerKey] = ms;
        }
    }
}
