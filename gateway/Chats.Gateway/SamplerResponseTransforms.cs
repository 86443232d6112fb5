using System.Globalization;
using System.Net;
using Grpc.Core;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Chats.Gateway;

/// <summary>
/// Response transforms of the sampler route: they see the sampler's response before YARP copies its body, which is the
/// one point where a refusal can still be kept from the client and the call sent elsewhere.
/// </summary>
internal static class SamplerResponseTransforms
{
    public static void Add(TransformBuilderContext context)
    {
        context.AddResponseTransform(CatchRefusal);
        context.AddResponseTrailersTransform(RequireStatus);
    }

    // A trailers-only RESOURCE_EXHAUSTED or UNAVAILABLE (grpc-status in the headers, no message) means the sampler did
    // not start the generation: the body is suppressed, and SamplerFailoverMiddleware retries or answers for all.
    private static ValueTask CatchRefusal(ResponseTransformContext transform)
    {
        if (transform.HttpContext.Features.Get<SamplerCall>() is not { } call
            || transform.ProxyResponse is not { StatusCode: HttpStatusCode.OK } response
            || !response.Headers.TryGetValues(GrpcStatusResponse.StatusHeader, out var values)
            || !int.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out int code)
            || (StatusCode)code is not (StatusCode.ResourceExhausted or StatusCode.Unavailable))
        {
            return default;
        }

        // Only a capacity refusal carries a retry hint; a RESOURCE_EXHAUSTED without one (a request over the sampler's
        // receive limit) would be refused by every sampler alike, so it goes to the client as the sampler said it.
        TimeSpan? retryAfter = response.Headers.TryGetValues(ServiceDefaults.RetryHint.TrailerKey, out var hints)
            && long.TryParse(hints.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out long ms)
                ? TimeSpan.FromMilliseconds(ms)
                : null;
        if ((StatusCode)code == StatusCode.ResourceExhausted && retryAfter is null)
        {
            return default;
        }

        string message = response.Headers.TryGetValues(GrpcStatusResponse.MessageHeader, out var messages)
            ? Uri.UnescapeDataString(messages.FirstOrDefault() ?? string.Empty)
            : string.Empty;
        call.Refusal = ((StatusCode)code, message, retryAfter);
        transform.SuppressResponseBody = true;
        return default;
    }

    // A sampler response that ends without any grpc-status (cut short by something between, or not a gRPC server) must
    // not read as success to a client that treats a missing status leniently.
    private static ValueTask RequireStatus(ResponseTrailersTransformContext transform)
    {
        if (transform.HttpContext.Features.Get<SamplerCall>() is { } call
            && !transform.ProxyResponse.TrailingHeaders.Contains(GrpcStatusResponse.StatusHeader)
            && !transform.ProxyResponse.Headers.Contains(GrpcStatusResponse.StatusHeader))
        {
            call.StatusMissing = true;
            string sampler = SamplerDestinations.Describe(transform.HttpContext.GetReverseProxyFeature().ProxiedDestination);
            GrpcStatusResponse.AppendTrailers(transform.HttpContext.Response, StatusCode.Unavailable, $"{sampler} ended the call without a gRPC status; retry");
        }

        return default;
    }
}
