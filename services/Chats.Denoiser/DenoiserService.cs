using System.Diagnostics;
using Chats.Inference.Roles;
using Chats.Inference.Local;
using Chats.Core.Sampling;
using Chats.Protos.V1;
using Chats.ServiceDefaults;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Chats.Denoiser;

/// <summary>gRPC adapter: one bidirectional stream per generation session over the loaded <see cref="IDenoiserModel"/>.</summary>
internal sealed class DenoiserService(
    IDenoiserModel model, IOptions<DenoiserOptions> options, DenoiserActivity activity, ConcurrencyLimiter sessions) : Protos.V1.Denoiser.DenoiserBase
{
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
        if (string.IsNullOrEmpty(open.SessionId))
        {
            throw new RequestValidationException("open.session_id", "must not be empty");
        }

        var conditionings = open.Conditionings.Select((c, i) => c.ToCore($"open.conditionings[{i}]")).ToList();
        if (conditionings.Count == 0)
        {
            throw new RequestValidationException("open.conditionings", "at least one conditioning is required");
        }

        float[] timeIds = [.. open.TimeIds];
        model.ValidateConditionings(conditionings, timeIds, "open.conditionings");
        var dtype = open.Dtype.ToCore("open.dtype");

        using var lease = sessions.TryAcquire()
            ?? throw new RpcException(new Status(StatusCode.ResourceExhausted, $"{options.Value.Role} denoiser is serving its maximum of {options.Value.MaxSessions} sessions"));
        var record = activity.Open(open.SessionId, conditionings.Count);
        string role = options.Value.Role.ToString().ToLowerInvariant();
        int expectedStep = 0;

        while (await requestStream.MoveNext(ct))
        {
            var message = requestStream.Current;
            if (message.KindCase != DenoiseRequest.KindOneofCase.Step)
            {
                throw new RequestValidationException("step", "only StepRequest messages may follow SessionOpen");
            }

            var step = message.Step;
            if (step.SessionId != open.SessionId)
            {
                throw new RequestValidationException("step.session_id", $"'{step.SessionId}' does not match the open session '{open.SessionId}'");
            }

            if (step.StepIndex != expectedStep)
            {
                throw new RequestValidationException("step.step_index", $"expected {expectedStep}, got {step.StepIndex}");
            }

            if (!float.IsFinite(step.Timestep) || step.Timestep < 0)
            {
                throw new RequestValidationException("step.timestep", $"{step.Timestep} is not a finite non-negative value");
            }

            if (step.ConditioningIndices.Count == 0 || step.ConditioningIndices.Any(i => i < 0 || i >= conditionings.Count))
            {
                throw new RequestValidationException("step.conditioning_indices", $"must name 1 or more of the {conditionings.Count} session conditionings");
            }

            if (step.Latent is null)
            {
                throw new RequestValidationException("step.latent", "is required");
            }

            var latent = step.Latent.ToHost("step.latent");
            model.ValidateLatent(latent, "step.latent");

            var started = Stopwatch.GetTimestamp();
            var selected = step.ConditioningIndices.Select(i => conditionings[i]).ToList();
            var predictions = await model.PredictAsync(latent, step.Timestep, selected, timeIds, ct);
            ChatsMetrics.StepSeconds.WithLabels(role).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);

            var response = new DenoiseResponse { SessionId = open.SessionId, StepIndex = step.StepIndex };
            response.Predictions.AddRange(predictions.Select(p => p.ToProto(dtype)));
            await responseStream.WriteAsync(response, ct);
            record.RecordStep(selected.Count);
            expectedStep++;
        }
    }

    public override Task<DenoiserInfo> GetInfo(DenoiserInfoRequest request, ServerCallContext context)
    {
        var d = model.Description;
        return Task.FromResult(new DenoiserInfo
        {
            ModelId = d.ModelId,
            Role = options.Value.Role.ToString().ToLowerInvariant(),
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
        });
    }
}
