using Chats.Core.Sampling;
using Chats.Core.Tensors;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace Chats.ServiceDefaults;

/// <summary>
/// Maps exceptions to precise gRPC statuses (bad input → INVALID_ARGUMENT naming the field, a full queue →
/// RESOURCE_EXHAUSTED, a cancelled or expired call → CANCELLED / DEADLINE_EXCEEDED) and counts every call.
/// </summary>
internal sealed class GrpcStatusInterceptor(ILogger<GrpcStatusInterceptor> logger, ReceiveLimit limit) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            var response = await continuation(request, context);
            Count(context, StatusCode.OK);
            return response;
        }
        catch (Exception ex) when (Map(ex, context, readsRequestStream: false) is { } mapped)
        {
            Count(context, mapped.StatusCode);
            throw mapped;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
            Count(context, StatusCode.OK);
        }
        catch (Exception ex) when (Map(ex, context, readsRequestStream: false) is { } mapped)
        {
            Count(context, mapped.StatusCode);
            throw mapped;
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
            Count(context, StatusCode.OK);
        }
        catch (Exception ex) when (Map(ex, context, readsRequestStream: true) is { } mapped)
        {
            Count(context, mapped.StatusCode);
            throw mapped;
        }
    }

    // grpc-dotnet's detail when a streamed request message is over the limit (its check runs inside MoveNext).
    private const string OversizedMessageDetail = "Received message exceeds the maximum configured message size.";

    // How close to the deadline a cancellation counts as the deadline: the server's deadline timer and a nested call's
    // (propagated, same instant) race, and the loser sees CANCELLED a hair before the deadline has passed.
    private static readonly TimeSpan DeadlineSlack = TimeSpan.FromMilliseconds(100);

    private static void Count(ServerCallContext context, StatusCode code)
    {
        string method = context.Method;
        int slash = method.LastIndexOf('/');
        string service = slash > 0 ? method[1..slash] : method;
        ChatsMetrics.CountGrpcCall(service, method[(slash + 1)..], code);
    }

    private static string ServiceOf(ServerCallContext context)
    {
        int slash = context.Method.LastIndexOf('/');
        return slash > 0 ? context.Method[1..slash] : context.Method;
    }

    /// <summary>
    /// True when the call ended because its deadline passed: grpc-dotnet sets DEADLINE_EXCEEDED as the call's status
    /// before it cancels the call, so whatever the handler throws next (a cancelled wait, a nested call's CANCELLED or
    /// DEADLINE_EXCEEDED) is the deadline's doing; the slack covers a nested call whose own timer fired first.
    /// </summary>
    private static bool DeadlinePassed(ServerCallContext context)
        => context.Status.StatusCode == StatusCode.DeadlineExceeded
            || (context.Deadline != DateTime.MaxValue && context.Deadline - DeadlineSlack <= DateTime.UtcNow);

    private RpcException? Map(Exception ex, ServerCallContext context, bool readsRequestStream)
    {
        switch (ex)
        {
            case RpcException { StatusCode: StatusCode.Cancelled or StatusCode.DeadlineExceeded } when DeadlinePassed(context):
                return new RpcException(new Status(StatusCode.DeadlineExceeded, "deadline exceeded"));
            case RpcException { StatusCode: StatusCode.ResourceExhausted } rpc when readsRequestStream && rpc.Status.Detail == OversizedMessageDetail:
                return new RpcException(new Status(StatusCode.ResourceExhausted, limit.Describe(ServiceOf(context), -1)));
            case RpcException rpc:
                return rpc;
            case RequestValidationException invalid:
                return new RpcException(new Status(StatusCode.InvalidArgument, invalid.Message));
            case InvalidTensorException tensor:
                return new RpcException(new Status(StatusCode.InvalidArgument, tensor.Message));
            case WorkerBusyException busy:
                return new RpcException(new Status(StatusCode.ResourceExhausted, busy.Message));
            case SessionClosedException { Reason: SessionCloseReason.IdleTimeout } idle:
                return new RpcException(new Status(StatusCode.DeadlineExceeded, idle.Message));
            case SessionClosedException closed:
                return new RpcException(new Status(StatusCode.Unavailable, closed.Message));
            // A client that goes away mid-stream (its deadline passed, or it cancelled) resets the request stream: the
            // next read fails with an IOException, sometimes before the call's token is cancelled. The handlers' only I/O
            // is the call's own streams, so this is the client's doing, not the service's.
            case IOException when DeadlinePassed(context):
                return new RpcException(new Status(StatusCode.DeadlineExceeded, "deadline exceeded"));
            case IOException:
                return new RpcException(new Status(StatusCode.Cancelled, "call cancelled: the client reset the stream"));
            case OperationCanceledException when DeadlinePassed(context):
                return new RpcException(new Status(StatusCode.DeadlineExceeded, "deadline exceeded"));
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return new RpcException(new Status(StatusCode.Cancelled, "call cancelled"));
            default:
                logger.LogError(ex, "Unhandled error in {Method}", context.Method);
                return null;
        }
    }
}
