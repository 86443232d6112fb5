using Chats.Core.Replicas;
using Grpc.Core;

namespace Chats.Sampler.Remote;

/// <summary>What a failed gRPC call to a dependency says about the replica that served it.</summary>
internal static class GrpcReplicaFailures
{
    public static ReplicaFailure Classify(Exception error, CancellationToken caller)
    {
        // The caller's own cancellation or deadline: no replica is to blame, and nothing should be retried.
        if (caller.IsCancellationRequested)
        {
            return ReplicaFailure.None;
        }

        return error switch
        {
            RpcException { StatusCode: StatusCode.ResourceExhausted } => ReplicaFailure.Busy,
            // The request itself is wrong: another replica would say the same.
            RpcException { StatusCode: StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange
                or StatusCode.Unimplemented or StatusCode.NotFound or StatusCode.AlreadyExists
                or StatusCode.PermissionDenied or StatusCode.Unauthenticated } => ReplicaFailure.None,
            // UNAVAILABLE (gone, draining, refused), a reset stream (CANCELLED / INTERNAL / UNKNOWN while we did not
            // cancel), an idle-closed session (DEADLINE_EXCEEDED from the server while ours has not passed), ABORTED.
            RpcException => ReplicaFailure.Unavailable,
            HttpRequestException or IOException or System.Net.Sockets.SocketException => ReplicaFailure.Unavailable,
            OperationCanceledException => ReplicaFailure.Unavailable,
            _ => ReplicaFailure.None,
        };
    }

    /// <summary>A dependency's error in one line: status and detail, without the client's debug text.</summary>
    public static string Describe(Exception error) => error switch
    {
        RpcException rpc => $"{rpc.StatusCode}: {rpc.Status.Detail}",
        _ => error.Message,
    };
}
