using System.Globalization;
using System.Text.RegularExpressions;
using Chats.ServiceDefaults;
using Grpc.Core;

namespace Chats.Gateway.HttpApi;

/// <summary>
/// How a gRPC status reaches an HTTP client: INVALID_ARGUMENT 400, UNAUTHENTICATED 401, PERMISSION_DENIED 403,
/// RESOURCE_EXHAUSTED 429 (with <c>Retry-After</c> from the <c>retry-after-ms</c> trailer), UNAVAILABLE 503,
/// DEADLINE_EXCEEDED 504, CANCELLED 499, anything else 500. The detail stays verbatim; its leading field becomes
/// the error's <c>param</c>, in the HTTP request's names.
/// </summary>
public static partial class GrpcToHttpStatus
{
    /// <summary>Nginx's "client closed request": the client went away (or cancelled) before the answer.</summary>
    public const int ClientClosedRequest = 499;

    /// <summary>The HTTP status of <paramref name="code"/>.</summary>
    public static int StatusOf(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument => StatusCodes.Status400BadRequest,
        StatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
        StatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
        StatusCode.ResourceExhausted => StatusCodes.Status429TooManyRequests,
        StatusCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        StatusCode.DeadlineExceeded => StatusCodes.Status504GatewayTimeout,
        StatusCode.Cancelled => ClientClosedRequest,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The status in snake_case, as the error's <c>code</c>: <c>invalid_argument</c>, <c>resource_exhausted</c>, ….</summary>
    public static string CodeName(StatusCode code) => SnakeCase().Replace(code.ToString(), "$1_$2").ToLowerInvariant();

    /// <summary>OpenAI-style error <c>type</c> of an HTTP status.</summary>
    public static string TypeOf(int httpStatus) => httpStatus switch
    {
        StatusCodes.Status400BadRequest or StatusCodes.Status413PayloadTooLarge => "invalid_request_error",
        StatusCodes.Status401Unauthorized => "authentication_error",
        StatusCodes.Status403Forbidden => "permission_error",
        StatusCodes.Status429TooManyRequests => "rate_limit_error",
        ClientClosedRequest => "cancelled",
        _ => "server_error",
    };

    /// <summary>
    /// The request member a field-first detail (<c>steps: 500 is outside [1, 150]</c>) is about, in the HTTP request's
    /// names (the sampler's <c>width</c> and <c>height</c> are <c>size</c>, <c>num_images</c> is <c>n</c>); a header
    /// named first (<c>authorization: …</c>) is the param of 401 and 403. Null when the detail does not start with one.
    /// </summary>
    public static string? ParamOf(StatusCode code, string? detail)
    {
        if (code is not (StatusCode.InvalidArgument or StatusCode.Unauthenticated or StatusCode.PermissionDenied) || detail is null)
        {
            return null;
        }

        var match = LeadingField().Match(detail);
        if (!match.Success)
        {
            return null;
        }

        string field = match.Groups[1].Value;
        return field switch
        {
            "width" or "height" => "size",
            "num_images" => "n",
            _ => field,
        };
    }

    /// <summary>Whole seconds, rounded up, of a <c>retry-after-ms</c> trailer; null without one.</summary>
    public static int? RetryAfterSeconds(Metadata? trailers)
    {
        string? value = trailers?.GetValue(RetryHint.TrailerKey);
        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long ms)
            ? (int)Math.Min(int.MaxValue, (ms + 999) / 1000)
            : null;
    }

    [GeneratedRegex("([a-z])([A-Z])")]
    private static partial Regex SnakeCase();

    // A field or header name, then ": " (the shape of the services' field-first details).
    [GeneratedRegex(@"^([a-z][a-z0-9_.\-]*): ")]
    private static partial Regex LeadingField();
}
