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
internal sealed class GrpcStatusInterceptor(ILogger<GrpcStatusInterceptor> logger) : Interceptor
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
        catch (Exception ex) when (Map(ex, context) is { } mapped)
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
        catch (Exception ex) when (Map(ex, context) is { } mapped)
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
        catch (Exception ex) when (Map(ex, context) is { } mapped)
        {
            Count(context, mapped.StatusCode);
            throw mapped;
        }
    }

    private static void Count(ServerCallContext context, StatusCode code)
    {
        string method = context.Method;
        int slash = method.LastIndexOf('/');
        string service = slash > 0 ? method[1..slash] : method;
        ChatsMetrics.GrpcRequests.WithLabels(service, method[(slash + 1)..], code.ToString()).Inc();
    }

    private RpcException? Map(Exception ex, ServerCallContext context)
    {
        switch (ex)
        {
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
            case OperationCanceledException when context.Deadline <= DateTime.UtcNow:
                return new RpcException(new Status(StatusCode.DeadlineExceeded, "deadline exceeded"));
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return new RpcException(new Status(StatusCode.Cancelled, "call cancelled"));
            default:
                logger.LogError(ex, "Unhandled error in {Method}", context.Method);
                return null;
        }
    }
}
