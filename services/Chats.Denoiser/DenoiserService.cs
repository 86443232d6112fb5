using System.Diagnostics;
using Chats.Core.Diagnostics;
using Chats.Core.Sampling;
using Chats.Inference.Engine;
using Chats.Protos.V1;
using Chats.ServiceDefaults;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Chats.Denoiser;

/// <summary>gRPC adapter: one bidirectional stream per generation session over the <see cref="DenoiserSessionEngine"/>.</summary>
internal sealed class DenoiserService(DenoiserSessionEngine engine, IOptions<DenoiserOptions> options, ILoggerFactory loggers) : Protos.V1.Denoiser.DenoiserBase
{
    // How long before the call's deadline an idle stream is ended by the handler (see Denoise).
    private static readonly TimeSpan DeadlineMargin = TimeSpan.FromMilliseconds(50);

    private readonly string _role = options.Value.Role.ToString().ToLowerInvariant();

    // The category the session-closed line (DenoiserServiceHost) uses, so a session's two lines sit together.
    private readonly ILogger _log = loggers.CreateLogger("Chats.Denoiser.Sessions");

    public override async Task Denoise(IAsyncStreamReader<DenoiseRequest> requestStream, IServerStreamWriter<DenoiseResponse> responseStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        if (!await requestStream.MoveNext(ct))
        {
            return;
        }

        if (requestStream.Current.KindCase != DenoiseRequest.KindOneofCase.Open)
        {
            throw new RequestValidationException("open", "the first message of a session must be SessionOpen");
        }

        var open = requestStream.Current.Open;
        var setup = DenoiserRequestMapping.ToSetup(open);
        var dtype = open.Dtype.ToCore("open.dtype");
        var session = engine.Open(setup, dtype);
        DenoiserLog.Opened(_log, session.Id, DenoiserLog.GenerationOf(session.Id), setup.Conditionings.Count, dtype.ToString(), setup.FirstStepIndex);
        try
        {
            // The engine closes idle sessions: waiting for the client's next step must wake up when it does. It also wakes
            // just before the call's deadline, so that a stream idle until then ends with DEADLINE_EXCEEDED written by
            // this handler: grpc-dotnet's own deadline timer resets the stream, and that reset can reach the client
            // before the status does (the client then reads CANCELLED).
            using var untilClosed = CancellationTokenSource.CreateLinkedTokenSource(ct, session.Closed);
            using var beforeDeadline = new CancellationTokenSource();
            if (context.Deadline != DateTime.MaxValue)
            {
                beforeDeadline.CancelAfter(Max(TimeSpan.Zero, context.Deadline - DateTime.UtcNow - DeadlineMargin));
            }

            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(untilClosed.Token, beforeDeadline.Token);
            while (await NextAsync(requestStream, session, waiting.Token, beforeDeadline.Token))
            {
                var step = DenoiserRequestMapping.ToStep(requestStream.Current, session);
                // A child of this stream's server span: the session is one call, each step a span inside it.
                using var activity = ChatsTracing.Source.StartActivity(ChatsTracing.DenoiserStep);
                activity?.SetTag(ChatsTracing.RoleTag, _role);
                activity?.SetTag(ChatsTracing.SessionIdTag, session.Id);
                activity?.SetTag(ChatsTracing.StepIndexTag, step.StepIndex);
                var started = Stopwatch.GetTimestamp();
                var predictions = await engine.StepWireAsync(session, step, ct);
                ChatsMetrics.StepSeconds.WithLabels(_role).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);

                var response = new DenoiseResponse { SessionId = session.Id, StepIndex = step.StepIndex };
                // Already in the session's dtype; the response wraps their bytes.
                response.Predictions.AddRange(predictions.Select(p => p.ToProto()));
                await responseStream.WriteAsync(response, ct);
            }
        }
        finally
        {
            engine.Close(session);
        }
    }

    public override Task<DenoiserInfo> GetInfo(DenoiserInfoRequest request, ServerCallContext context)
    {
        var d = engine.Model.Description;
        return Task.FromResult(new DenoiserInfo
        {
            ModelId = d.ModelId,
            Role = _role,
            Component = d.Component,
            LatentChannels = d.LatentChannels,
            SampleSize = d.SampleSize,
            PredictionType = d.PredictionType switch
            {
                Core.Schedulers.PredictionType.Epsilon => "epsilon",
                Core.Schedulers.PredictionType.VPrediction => "v_prediction",
                _ => "flow",
            },
            UsesPooled = d.PooledSize > 0,
            ModelClass = d.ModelClass,
            ConditioningNames = { d.Conditioning.Select(c => c.Name) },
            PatchSize = d.PatchSize,
            MaxLatentSide = d.MaxLatentSide,
        });
    }

    private static async Task<bool> NextAsync(
        IAsyncStreamReader<DenoiseRequest> requestStream, DenoiserSession session, CancellationToken waiting, CancellationToken beforeDeadline)
    {
        try
        {
            return await requestStream.MoveNext(waiting);
        }
        catch (OperationCanceledException) when (session.Closed.IsCancellationRequested)
        {
            throw session.ClosedException();
        }
        catch (OperationCanceledException) when (beforeDeadline.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"session '{session.Id}' sent no step before the call's deadline"));
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
