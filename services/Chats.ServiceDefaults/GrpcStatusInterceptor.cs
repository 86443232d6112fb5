using Chats.Core.Replicas;
using Chats.Core.Sampling;
using Chats.Core.Tensors;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace Chats.ServiceDefaults;

/// <summary>
/// Maps exceptions to precise gRPC statuses (bad input → INVALID_ARGUMENT naming the field, a full queue →
/// RESOURCE_EXHAUSTED, a cancelled or expired call → CANCELLED / DEADLINE_EXCEEDED, a drain → UNAVAILABLE), counts
/// every call, and admits calls through the <see cref="ServiceDrain"/>.
/// </summary>
internal sealed class GrpcStatusInterceptor(ILogger<GrpcStatusInterceptor> logger, ServiceDrain drain) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        TResponse response = default!;
        await RunAsync(context, async () => response = await continuation(request, context));
        return response;
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
        => RunAsync(context, () => continuation(request, responseStream, context));

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
        => RunAsync(context, () => continuation(requestStream, responseStream, context));

    private async Task RunAsync(ServerCallContext context, Func<Task> call)
    {
        using var admitted = Admit(context);
        try
        {
            await call();
            Count(context, StatusCode.OK);
        }
        catch (Exception ex) when (Map(ex, context) is { } mapped)
        {
            Count(context, mapped.StatusCode);
            throw mapped;
        }
    }

    // Health and reflection keep answering during a drain: NOT_SERVING is how a draining replica says "go elsewhere".
    private IDisposable? Admit(ServerCallContext context)
    {
        if (context.Method.StartsWith("/grpc.", StringComparison.Ordinal))
        {
            return null;
        }

        if (drain.TryEnter() is { } entry)
        {
            return entry;
        }

        Count(context, StatusCode.Unavailable);
        throw new RpcException(new Status(StatusCode.Unavailable, $"{ServiceName(context)} is draining (shutting down) and takes no new calls; retry on another replica"));
    }

    private static string ServiceName(ServerCallContext context)
    {
        string method = context.Method;
        int slash = method.LastIndexOf('/');
        return slash > 0 ? method[1..slash] : method;
    }

    private static void Count(ServerCallContext context, StatusCode code)
    {
        string method = context.Method;
        int slash = method.LastIndexOf('/');
        ChatsMetrics.GrpcRequests.WithLabels(ServiceName(context), method[(slash + 1)..], code.ToString()).Inc();
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
                return new RpcException(new Status(StatusCode.ResourceExhausted, busy.Message), RetryHint.Trailers(busy.RetryAfter));
            case SessionClosedException { Reason: SessionCloseReason.IdleTimeout } idle:
                return new RpcException(new Status(StatusCode.DeadlineExceeded, idle.Message));
            case SessionClosedException closed:
                return new RpcException(new Status(StatusCode.Unavailable, closed.Message));
            case ReplicaUnavailableException { AllBusy: true } busy:
                return new RpcException(new Status(StatusCode.ResourceExhausted, busy.Message), RetryHint.Trailers(RetryDelay.Generation));
            case ReplicaUnavailableException unavailable:
                return new RpcException(new Status(StatusCode.Unavailable, unavailable.Message));
            case OperationCanceledException when context.Deadline <= DateTime.UtcNow:
                return new RpcException(new Status(StatusCode.DeadlineExceeded, "deadline exceeded"));
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return new RpcException(new Status(StatusCode.Cancelled, "call cancelled"));
            case OperationCanceledException when drain.Expired.IsCancellationRequested:
                return new RpcException(new Status(StatusCode.Unavailable, $"{ServiceName(context)} shut down before this call finished (Endpoints:DrainTimeout passed); retry"));
            default:
                logger.LogError(ex, "Unhandled error in {Method}", context.Method);
                return null;
        }
    }
}
