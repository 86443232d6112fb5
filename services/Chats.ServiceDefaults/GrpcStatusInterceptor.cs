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
/// every call (an exception it does not map as UNKNOWN, the status the client gets), and admits calls through the
/// <see cref="ServiceDrain"/>.
/// </summary>
internal sealed class GrpcStatusInterceptor(ILogger<GrpcStatusInterceptor> logger, ReceiveLimit limit, ServiceDrain drain) : Interceptor
{
    // grpc-dotnet's detail when a streamed request message is over the limit (its check runs inside MoveNext).
    private const string OversizedMessageDetail = "Received message exceeds the maximum configured message size.";

    // How close to the deadline a cancellation counts as the deadline: the server's deadline timer and a nested call's
    // (propagated, same instant) race, and the loser sees CANCELLED a hair before the deadline has passed.
    private static readonly TimeSpan DeadlineSlack = TimeSpan.FromMilliseconds(100);

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        TResponse response = default!;
        await RunAsync(context, readsRequestStream: false, async () => response = await continuation(request, context));
        return response;
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
        => RunAsync(context, readsRequestStream: false, () => continuation(request, responseStream, context));

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
        => RunAsync(context, readsRequestStream: true, () => continuation(requestStream, responseStream, context));

    private async Task RunAsync(ServerCallContext context, bool readsRequestStream, Func<Task> call)
    {
        using var admitted = Admit(context);
        try
        {
            await call();
            Count(context, StatusCode.OK);
        }
        catch (Exception ex)
        {
            // An exception no case maps still ends the call, as UNKNOWN ("Exception was thrown by handler.", from
            // grpc-dotnet, which hides the message): counted as such, or the failures that matter most would be the
            // ones missing from chats_grpc_requests_total.
            var mapped = Map(ex, context, readsRequestStream);
            Count(context, mapped?.StatusCode ?? StatusCode.Unknown);
            if (mapped is null)
            {
                throw;
            }

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
        throw new RpcException(new Status(StatusCode.Unavailable, $"{ServiceOf(context)} is draining (shutting down) and takes no new calls; retry on another replica"));
    }

    private static void Count(ServerCallContext context, StatusCode code)
    {
        string method = context.Method;
        int slash = method.LastIndexOf('/');
        ChatsMetrics.CountGrpcCall(ServiceOf(context), method[(slash + 1)..], code);
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
        // The drain ran out of time: whatever the cancellation surfaced as (ours, or a dependency call it cancelled),
        // the client did not cancel, and must hear UNAVAILABLE so that it retries.
        if (drain.Expired.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested
            && ex is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            return new RpcException(new Status(StatusCode.Unavailable, $"{ServiceOf(context)} shut down before this call finished (Endpoints:DrainTimeout passed); retry"));
        }

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
                return new RpcException(new Status(StatusCode.ResourceExhausted, busy.Message), RetryHint.Trailers(busy.RetryAfter));
            case SessionClosedException { Reason: SessionCloseReason.IdleTimeout } idle:
                return new RpcException(new Status(StatusCode.DeadlineExceeded, idle.Message));
            case SessionClosedException closed:
                return new RpcException(new Status(StatusCode.Unavailable, closed.Message));
            case ReplicaUnavailableException { AllBusy: true } busy:
                return new RpcException(new Status(StatusCode.ResourceExhausted, busy.Message), RetryHint.Trailers(RetryDelay.Generation));
            case ReplicaUnavailableException unavailable:
                return new RpcException(new Status(StatusCode.Unavailable, unavailable.Message));
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
