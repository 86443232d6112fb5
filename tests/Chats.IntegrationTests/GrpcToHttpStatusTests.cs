using Chats.Gateway.HttpApi;
using Grpc.Core;

namespace Chats.IntegrationTests;

/// <summary>The HTTP API's reading of gRPC statuses: the status table, the error code, the param and Retry-After.</summary>
public sealed class GrpcToHttpStatusTests
{
    [Theory]
    [InlineData(StatusCode.InvalidArgument, 400, "invalid_argument")]
    [InlineData(StatusCode.Unauthenticated, 401, "unauthenticated")]
    [InlineData(StatusCode.PermissionDenied, 403, "permission_denied")]
    [InlineData(StatusCode.ResourceExhausted, 429, "resource_exhausted")]
    [InlineData(StatusCode.Unavailable, 503, "unavailable")]
    [InlineData(StatusCode.DeadlineExceeded, 504, "deadline_exceeded")]
    [InlineData(StatusCode.Cancelled, 499, "cancelled")]
    [InlineData(StatusCode.Internal, 500, "internal")]
    [InlineData(StatusCode.Unknown, 500, "unknown")]
    [InlineData(StatusCode.FailedPrecondition, 500, "failed_precondition")]
    public void EachStatus_HasItsHttpStatus_AndSnakeCaseCode(StatusCode code, int http, string name)
    {
        Assert.Equal(http, GrpcToHttpStatus.StatusOf(code));
        Assert.Equal(name, GrpcToHttpStatus.CodeName(code));
    }

    [Theory]
    [InlineData(StatusCode.InvalidArgument, "steps: 500 is outside [1, 150]", "steps")]
    [InlineData(StatusCode.InvalidArgument, "width: 33 is not a multiple of the model's spatial factor 8", "size")]
    [InlineData(StatusCode.InvalidArgument, "height: 0 is not positive", "size")]
    [InlineData(StatusCode.InvalidArgument, "num_images: 9 is outside [1, 4]", "n")]
    [InlineData(StatusCode.InvalidArgument, "guidance_scale: NaN is not a finite value", "guidance_scale")]
    [InlineData(StatusCode.PermissionDenied, "x-chats-arm-override: this key may not choose its arm", "x-chats-arm-override")]
    [InlineData(StatusCode.Unauthenticated, "authorization: unknown key", "authorization")]
    [InlineData(StatusCode.InvalidArgument, "the request is wrong", null)]
    [InlineData(StatusCode.Unavailable, "sampler: no replica", null)]
    public void TheParam_IsTheDetailsLeadingField_InTheHttpRequestsNames(StatusCode code, string detail, string? param)
        => Assert.Equal(param, GrpcToHttpStatus.ParamOf(code, detail));

    [Theory]
    [InlineData("1000", 1)]
    [InlineData("1001", 2)]
    [InlineData("2500", 3)]
    [InlineData("1", 1)]
    [InlineData("soon", null)]
    public void RetryAfter_IsTheTrailersMillisecondsInWholeSeconds_RoundedUp(string milliseconds, int? seconds)
        => Assert.Equal(seconds, GrpcToHttpStatus.RetryAfterSeconds(new Metadata { { "retry-after-ms", milliseconds } }));

    [Fact]
    public void RetryAfter_IsAbsentWithoutTheTrailer() => Assert.Null(GrpcToHttpStatus.RetryAfterSeconds(new Metadata()));
}
