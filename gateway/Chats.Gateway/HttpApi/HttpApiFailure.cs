using System.Globalization;
using Grpc.Core;

namespace Chats.Gateway.HttpApi;

/// <summary>
/// A request the HTTP API answers with an error: the HTTP status, OpenAI's error body and, for 429, the
/// <c>Retry-After</c> seconds. Made from the HTTP layer's own checks or from the gRPC status of the call.
/// </summary>
internal sealed record HttpApiFailure(int Status, ApiError Error, int? RetryAfterSeconds = null)
{
    /// <summary>400 from the HTTP layer's own check of <paramref name="param"/> (null: the body as a whole).</summary>
    public static HttpApiFailure BadRequest(string? param, string message)
        => new(StatusCodes.Status400BadRequest, new ApiError(message, GrpcToHttpStatus.TypeOf(StatusCodes.Status400BadRequest), param, GrpcToHttpStatus.CodeName(StatusCode.InvalidArgument)));

    /// <summary>413: the body is longer than <see cref="GatewayHttpOptions.MaxHttpRequestBytes"/>.</summary>
    public static HttpApiFailure TooLarge(int limit) => new(
        StatusCodes.Status413PayloadTooLarge,
        new ApiError(
            string.Create(CultureInfo.InvariantCulture, $"request body: longer than {limit} bytes ({GatewayHttpOptions.MaxHttpRequestBytesKey})"),
            GrpcToHttpStatus.TypeOf(StatusCodes.Status413PayloadTooLarge),
            null,
            "request_too_large"));

    /// <summary>The failure a gRPC status becomes (see <see cref="GrpcToHttpStatus"/>).</summary>
    public static HttpApiFailure From(RpcException rpc)
    {
        ArgumentNullException.ThrowIfNull(rpc);
        int status = GrpcToHttpStatus.StatusOf(rpc.StatusCode);
        return new HttpApiFailure(
            status,
            new ApiError(rpc.Status.Detail, GrpcToHttpStatus.TypeOf(status), GrpcToHttpStatus.ParamOf(rpc.StatusCode, rpc.Status.Detail), GrpcToHttpStatus.CodeName(rpc.StatusCode)),
            rpc.StatusCode == StatusCode.ResourceExhausted ? GrpcToHttpStatus.RetryAfterSeconds(rpc.Trailers) : null);
    }

    /// <summary>Writes the error as JSON with its status (and <c>Retry-After</c>).</summary>
    public Task WriteAsync(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.StatusCode = Status;
        if (RetryAfterSeconds is { } seconds)
        {
            response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        return response.WriteAsJsonAsync(new ApiErrorResponse(Error), HttpApiJson.Context.ApiErrorResponse);
    }
}
