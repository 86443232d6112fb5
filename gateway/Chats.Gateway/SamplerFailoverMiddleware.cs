using System.Globalization;
using System.Net.Sockets;
using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Chats.Gateway;

/// <summary>
/// Runs in YARP's proxy pipeline after load balancing, around each forwarding attempt, for gRPC calls. A sampler that
/// refuses a call (a trailers-only RESOURCE_EXHAUSTED or UNAVAILABLE, or a refused connection) has not started the
/// generation, so the call goes to the least busy healthy sampler not tried yet: at most one attempt per sampler, and only
/// while the request fits <see cref="GatewayOptions.MaxBufferedRequestBytes"/>. When none took it, the client gets one
/// status for all. A sampler that fails after taking the call (killed, connection reset, silent past ActivityTimeout)
/// ends it with UNAVAILABLE naming the sampler, as trailers after the whole messages already sent, never as the stream
/// reset YARP would send, which a client reads as CANCELLED.
/// </summary>
internal sealed class SamplerFailoverMiddleware(IOptions<GatewayOptions> options, ILogger<SamplerFailoverMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        if (!IsGrpc(context.Request))
        {
            await next();
            return;
        }

        var call = new SamplerCall();
        context.Features.Set(call);
        var clientBody = context.Request.Body;
        var recording = new RequestBodyRecording(clientBody, options.Value.MaxBufferedRequestBytes);
        var responseBody = new GrpcMessageBoundaryBody(context.Features.GetRequiredFeature<IHttpResponseBodyFeature>());
        context.Features.Set<IHttpResponseBodyFeature>(responseBody);
        var reset = context.Features.Get<IHttpResetFeature>() is { } resetFeature ? new DeferredReset(resetFeature) : null;
        context.Features.Set<IHttpResetFeature>(reset);
        StatusCode? code = null;
        try
        {
            code = await ForwardAsync(context, call, recording, responseBody, reset, next);
        }
        finally
        {
            context.Request.Body = clientBody;
            context.Features.Set(responseBody.Inner);
            context.Features.Set(reset?.Inner);
            GatewayMetrics.Requests.WithLabels((code ?? StatusCode.Unknown).ToString()).Inc();
        }
    }

    // The same test YARP uses to treat a call as streaming (HTTP/2 and an application/grpc content type).
    private static bool IsGrpc(HttpRequest request) =>
        HttpProtocol.IsHttp2(request.Protocol)
        && request.ContentType is { } type
        && (type.Equals("application/grpc", StringComparison.OrdinalIgnoreCase)
            || type.StartsWith("application/grpc+", StringComparison.OrdinalIgnoreCase)
            || type.StartsWith("application/grpc;", StringComparison.OrdinalIgnoreCase));

    private async Task<StatusCode> ForwardAsync(
        HttpContext context, SamplerCall call, RequestBodyRecording recording, GrpcMessageBoundaryBody responseBody, DeferredReset? reset, Func<Task> next)
    {
        var proxy = context.GetReverseProxyFeature();
        if (proxy.AvailableDestinations.Count == 0)
        {
            call.EndedByGateway = true;
            GrpcStatusResponse.WriteTrailersOnly(context.Response, StatusCode.Unavailable,
                "no sampler is available (none configured, or every dns:/// name resolved to no address); retry");
            return StatusCode.Unavailable;
        }

        var destination = proxy.AvailableDestinations[0];
        var refusals = new List<SamplerRefusal>();
        var tried = new HashSet<DestinationState>();
        while (true)
        {
            proxy.AvailableDestinations = destination;
            context.Request.Body = recording.OpenReader();
            call.Refusal = null;
            await next();

            var error = context.Features.Get<IForwarderErrorFeature>();
            var refusal = Refusal(context, call, error, destination);
            if (refusal is null)
            {
                return await FinishAsync(context, call, error, responseBody, reset, destination);
            }

            refusals.Add(refusal);
            tried.Add(destination);
            var another = recording.Replayable && !context.RequestAborted.IsCancellationRequested ? LeastBusyUntried(context, tried) : null;
            if (another is null)
            {
                return AllRefused(context, call, refusals);
            }

            GatewayMetrics.Retries.WithLabels(refusal.Reason).Inc();
            logger.LogInformation("{Refusal}; sending the call to {Next}", refusal, SamplerDestinations.Describe(another));
            context.Features.Set<IForwarderErrorFeature>(null);
            context.Response.Clear();
            responseBody.DiscardPartialMessage();
            destination = another;
        }
    }

    private SamplerRefusal? Refusal(HttpContext context, SamplerCall call, IForwarderErrorFeature? error, DestinationState destination)
    {
        string sampler = SamplerDestinations.Describe(destination);
        if (call.Refusal is { } refused)
        {
            return new SamplerRefusal(sampler, refused.Code, refused.Code == StatusCode.ResourceExhausted ? "full" : "unavailable", refused.Message, refused.RetryAfter);
        }

        // Only a connection that was never made is known not to have started anything on the sampler.
        return error is { Error: ForwarderError.Request } && !context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested
            && IsConnectFailure(error.Exception)
            ? new SamplerRefusal(sampler, StatusCode.Unavailable, "unreachable", Reason(error))
            : null;
    }

    private async Task<StatusCode> FinishAsync(
        HttpContext context, SamplerCall call, IForwarderErrorFeature? error, GrpcMessageBoundaryBody responseBody, DeferredReset? reset, DestinationState destination)
    {
        if (error is null || responseBody.Completed)
        {
            // Proxied to its end (a request-body error after a complete response changes nothing for the client).
            call.EndedByGateway = call.StatusMissing;
            return GrpcStatusResponse.Read(context.Response) ?? StatusCode.Unknown;
        }

        if (ClientFailed(context, error))
        {
            // The client went away or broke its side: there is no one to tell, so YARP's reset stands.
            reset?.Apply();
            return StatusCode.Cancelled;
        }

        call.EndedByGateway = true;
        string sampler = SamplerDestinations.Describe(destination);
        string reason = Reason(error);
        if (!context.Response.HasStarted)
        {
            logger.LogWarning("{Sampler} failed before answering: {Reason}", sampler, reason);
            GrpcStatusResponse.WriteTrailersOnly(context.Response, StatusCode.Unavailable, $"{sampler} failed before answering: {reason}; retry");
            return StatusCode.Unavailable;
        }

        if (context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers is not { IsReadOnly: false })
        {
            reset?.Apply();
            return StatusCode.Unavailable;
        }

        logger.LogWarning("{Sampler} failed mid-generation: {Reason}", sampler, reason);
        responseBody.DiscardPartialMessage();
        GrpcStatusResponse.AppendTrailers(context.Response, StatusCode.Unavailable, $"{sampler} failed mid-generation: {reason}; retry");
        await responseBody.CompleteAsync();
        return StatusCode.Unavailable;
    }

    private StatusCode AllRefused(HttpContext context, SamplerCall call, List<SamplerRefusal> refusals)
    {
        call.EndedByGateway = true;
        int samplers = context.GetRouteModel().Cluster?.DestinationsState.AllDestinations.Count ?? refusals.Count;
        if (samplers == 1 && refusals is [{ Reason: not "unreachable" } only])
        {
            // One sampler behind the gateway: its own answer, hint included, says it best.
            GrpcStatusResponse.WriteTrailersOnly(context.Response, only.Code, only.Message, only.RetryAfter);
            return only.Code;
        }

        string detail = $"{refusals.Count} of {samplers} sampler(s) refused the generation: {string.Join("; ", refusals)}";
        if (refusals.Exists(r => r.Code == StatusCode.ResourceExhausted))
        {
            var wait = refusals.Select(r => r.RetryAfter).Where(w => w is not null).DefaultIfEmpty(options.Value.RetryAfter).Min()!.Value;
            GrpcStatusResponse.WriteTrailersOnly(context.Response, StatusCode.ResourceExhausted,
                string.Create(CultureInfo.InvariantCulture, $"{detail}; retry in {wait.TotalSeconds:0.###} s"), wait);
            return StatusCode.ResourceExhausted;
        }

        GrpcStatusResponse.WriteTrailersOnly(context.Response, StatusCode.Unavailable, $"{detail}; retry");
        return StatusCode.Unavailable;
    }

    private static DestinationState? LeastBusyUntried(HttpContext context, HashSet<DestinationState> tried) =>
        context.GetRouteModel().Cluster?.DestinationsState.AvailableDestinations
            .Where(d => !tried.Contains(d))
            .OrderBy(d => d.ConcurrentRequestCount)
            .FirstOrDefault();

    private static bool IsConnectFailure(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError }
                || e is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable })
            {
                return true;
            }
        }

        return false;
    }

    // YARP names a failure by the side whose stream failed, but when a sampler's connection breaks while the request
    // body is still being sent, HttpClient cancels the read of the client's body and YARP reports RequestBodyClient.
    // Only an aborted client, a failed write to it, or a request-body failure with no sampler-side exception is theirs.
    private static bool ClientFailed(HttpContext context, IForwarderErrorFeature error) =>
        context.RequestAborted.IsCancellationRequested
        || error.Error is ForwarderError.RequestCanceled or ForwarderError.ResponseBodyClient
        || (error.Error is ForwarderError.RequestBodyClient or ForwarderError.RequestBodyCanceled
            && !Flatten(error.Exception).Any(e => e is HttpRequestException));

    private string Reason(IForwarderErrorFeature error)
    {
        if (error.Error is ForwarderError.RequestTimedOut or ForwarderError.ResponseBodyCanceled)
        {
            return $"nothing received for {options.Value.ActivityTimeout} (Gateway:ActivityTimeout)";
        }

        var exceptions = Flatten(error.Exception).ToList();
        if (exceptions.OfType<SocketException>().FirstOrDefault() is { } socket)
        {
            return socket.Message.TrimEnd('.');
        }

        if (error.Error is ForwarderError.RequestBodyClient or ForwarderError.RequestBodyCanceled or ForwarderError.RequestBodyDestination)
        {
            // What is left is the cancelled read of the client's body, which says nothing about the sampler.
            return "its connection broke while the request was being sent";
        }

        return exceptions.LastOrDefault(e => e is not AggregateException)?.Message.TrimEnd('.') ?? error.Error.ToString();
    }

    /// <summary>The exception and its causes, depth first (an AggregateException's every inner exception, in order).</summary>
    private static IEnumerable<Exception> Flatten(Exception? exception)
    {
        if (exception is null)
        {
            yield break;
        }

        yield return exception;
        IEnumerable<Exception> causes = exception is AggregateException aggregate ? aggregate.InnerExceptions
            : exception.InnerException is { } inner ? [inner]
            : [];
        foreach (var cause in causes)
        {
            foreach (var e in Flatten(cause))
            {
                yield return e;
            }
        }
    }
}
