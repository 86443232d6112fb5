using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Chats.ServiceDefaults;

/// <summary>
/// Refuses a request whose first gRPC message is larger than the limit by its 5-byte length prefix, before any of the
/// message is read: RESOURCE_EXHAUSTED (grpc's status for an oversized message) with a detail naming the size, the
/// limit and its configuration key, counted like any other call. grpc-dotnet's own check answers the same status but
/// with a generic detail, and for unary and server-streaming calls before interceptors can count it.
/// </summary>
public static class GrpcRequestSizeGuard
{
    private const int PrefixLength = 5;

    /// <summary>
    /// True when the request was refused (the response is written) or the client went away; false when the caller should
    /// go on. Peeks at the body: nothing is consumed, so the next reader sees every byte.
    /// </summary>
    public static async Task<bool> RefuseOversizedAsync(HttpContext context, ReceiveLimit limit, string service, string method)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(limit);
        var reader = context.Request.BodyReader;
        ReadResult read;
        try
        {
            read = await reader.ReadAtLeastAsync(PrefixLength, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return true;
        }

        long length = MessageLength(read.Buffer);
        reader.AdvanceTo(read.Buffer.Start);
        if (length <= limit.Bytes)
        {
            return false;
        }

        ChatsMetrics.CountGrpcCall(service, method, StatusCode.ResourceExhausted);
        WriteTrailersOnly(context.Response, StatusCode.ResourceExhausted, limit.Describe(service, length));
        return true;
    }

    /// <summary>
    /// Caps the request body of a proxied call that carries one message, without reading it: the proxy forwards the body
    /// as it arrives, so a slow client's call reaches its backend (and counts as in flight there) at once, and the
    /// backend's own guard refuses an oversized message from its prefix; that refusal is what the client sees. The cap,
    /// twice the limit so that it never races the backend's answer, bounds what one call can push through the proxy.
    /// YARP lifts the body limit of every gRPC request; it is handed a stand-in that takes that write and leaves the cap.
    /// </summary>
    public static void CapProxiedBody(HttpContext context, ReceiveLimit limit)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(limit);
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = PrefixLength + (2L * limit.Bytes);
            context.Features.Set<IHttpMaxRequestBodySizeFeature>(new SettledBodySizeLimit(bodySize.MaxRequestBodySize));
        }
    }

    /// <summary>The length in the message prefix, or -1 when the body ends before a whole prefix (gRPC will answer that).</summary>
    private static long MessageLength(ReadOnlySequence<byte> buffer)
    {
        if (buffer.Length < PrefixLength)
        {
            return -1;
        }

        Span<byte> prefix = stackalloc byte[PrefixLength];
        buffer.Slice(0, PrefixLength).CopyTo(prefix);
        return BinaryPrimitives.ReadUInt32BigEndian(prefix[1..]);
    }

    // A gRPC error before any message: status and detail travel in the response headers ("Trailers-Only").
    private static void WriteTrailersOnly(HttpResponse response, StatusCode code, string detail)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = PercentEncode(detail);
    }

    // grpc-message is percent-encoded UTF-8: printable ASCII except '%' stays as it is.
    private static string PercentEncode(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }
}
