using System.Diagnostics;
using Chats.Core.Diagnostics;
using Chats.Core.Guidance;
using Chats.Core.Schedulers;
using Chats.Core.Tensors;

namespace Chats.Core.Sampling;

/// <summary>
/// One generation's denoising loop in progress: the open denoiser sessions, the scheduler and the latents.
/// <see cref="StepAsync"/> runs one step; <see cref="Capture"/> snapshots the state at any step boundary, so the
/// generation can be stopped here and continued elsewhere (<see cref="GenerationPipeline.OpenAsync"/>).
/// </summary>
public sealed class GenerationRun : IAsyncDisposable
{
    private readonly GenerationState _origin;
    private readonly IReadOnlyList<(StepPlan.Participant Participant, IDenoiserSession Session)> _sessions;
    private readonly INoiseScheduler _scheduler;
    private readonly HostTensor _latents;
    private readonly float[] _guided;
    private readonly IGenerationObserver? _observer;

    internal GenerationRun(
        GenerationState origin,
        IReadOnlyList<(StepPlan.Participant, IDenoiserSession)> sessions,
        INoiseScheduler scheduler,
        IGenerationObserver? observer = null)
    {
        _observer = observer;
        _origin = origin;
        _sessions = sessions;
        _scheduler = scheduler;
        _latents = origin.Latents.Clone();
        _guided = new float[_latents.Data.Length];
        StepIndex = origin.StepIndex;
    }

    /// <summary>The next step to run.</summary>
    public int StepIndex { get; private set; }

    /// <summary>The trajectory length.</summary>
    public int TotalSteps => _scheduler.Timesteps.Count;

    /// <summary>True when every step has run.</summary>
    public bool IsDenoised => StepIndex >= TotalSteps;

    /// <summary>Runs step <see cref="StepIndex"/>: asks every participant concurrently, combines, advances the scheduler.</summary>
    public async Task<GenerationProgressEvent> StepAsync(CancellationToken cancellationToken)
    {
        if (IsDenoised)
        {
            throw new InvalidOperationException($"all {TotalSteps} steps have run");
        }

        cancellationToken.ThrowIfCancellationRequested();
        int i = StepIndex;
        using var activity = ChatsTracing.Source.StartActivity(ChatsTracing.Step);
        activity?.SetTag(ChatsTracing.StepIndexTag, i);
        try
        {
            return await RunStepAsync(i, cancellationToken);
        }
        catch (Exception e) when (ChatsTracing.Failed(activity, e))
        {
            throw;
        }
    }

    private async Task<GenerationProgressEvent> RunStepAsync(int i, CancellationToken cancellationToken)
    {
        float t = _scheduler.Timesteps[i];
        long started = Stopwatch.GetTimestamp();
        HostTensor modelInput = _latents.Clone();
        _scheduler.ScaleModelInput(modelInput.Data, i);
        var sampling = Stopwatch.GetElapsedTime(started);

        // Participants run concurrently (θ+ and θ− are separate services); predictions line up with the plan.
        long called = Stopwatch.GetTimestamp();
        var pending = _sessions
            .Select(s => PredictAsync(s.Participant, s.Session, i, t, modelInput, called, cancellationToken))
            .ToList();
        var predictions = new IReadOnlyList<HostTensor>[pending.Count];
        for (int k = 0; k < pending.Count; k++)
        {
            predictions[k] = await pending[k];
        }

        started = Stopwatch.GetTimestamp();

        var guidance = _origin.Spec.Guidance;
        switch (guidance.Mode)
        {
            case GuidanceMode.Cfg:
                var (conditional, unconditional) = (predictions[0][0], predictions[0][1]);
                ClassifierFreeGuidance.Combine(conditional.Data, unconditional.Data, guidance.Scale, _guided);
                break;
            case GuidanceMode.Chats:
                var (preferred, dispreferredOnProxy) = (predictions[0][0], predictions[1][0]);
                ChatsProxyGuidance.Combine(preferred.Data, dispreferredOnProxy.Data, guidance.Scale, _guided);
                break;
            case GuidanceMode.ChatsFull:
                var (preferredOnC, dispreferredOnC, dispreferredOnNull) = (predictions[0][0], predictions[1][0], predictions[1][1]);
                ChatsFullGuidance.Combine(preferredOnC.Data, dispreferredOnC.Data, dispreferredOnNull.Data, guidance.Scale, guidance.Alpha, _guided);
                break;
            default:
                throw new InvalidOperationException($"unhandled guidance mode {guidance.Mode}");
        }

        _scheduler.Step(_guided, i, _latents.Data);
        _observer?.Observe(GenerationPhase.Guidance, null, sampling + Stopwatch.GetElapsedTime(started));
        StepIndex = i + 1;
        return new GenerationProgressEvent(StepIndex, TotalSteps);
    }

    // Its own async method, so that each role's span is the current activity of its own call only (they run at once).
    private async Task<IReadOnlyList<HostTensor>> PredictAsync(
        StepPlan.Participant participant, IDenoiserSession session, int i, float t, HostTensor modelInput, long called, CancellationToken cancellationToken)
    {
        using var activity = ChatsTracing.Source.StartActivity(ChatsTracing.Denoise, ActivityKind.Client);
        activity?.SetTag(ChatsTracing.RoleTag, participant.Role);
        activity?.SetTag(ChatsTracing.StepIndexTag, i);
        try
        {
            var predictions = await session.PredictAsync(i, t, modelInput, participant.StepIndices, cancellationToken);
            _observer?.Observe(GenerationPhase.DenoiserCall, participant.Role, Stopwatch.GetElapsedTime(called));
            return predictions;
        }
        catch (Exception e) when (ChatsTracing.Failed(activity, e))
        {
            throw;
        }
    }

    /// <summary>A snapshot of the generation at the current step boundary (copied: the run may go on).</summary>
    public GenerationState Capture() => _origin with
    {
        StepIndex = StepIndex,
        Latents = _latents.Clone(),
        Scheduler = _scheduler.CaptureState(),
    };

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var (_, session) in _sessions)
        {
            await session.DisposeAsync();
        }
    }
}
