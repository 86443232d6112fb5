using System.Diagnostics;
using System.Threading.Channels;
using Chats.Core.Sampling;
using Chats.Core.Tensors;
using Chats.Inference.Roles;
using TorchSharp;

namespace Chats.Inference.Engine;

/// <summary>
/// The denoiser's session protocol in one place, used by the gRPC service and the in-process endpoint alike:
/// a session table (conditionings uploaded to the device once at open), the validation of every open and step
/// (step order, indices, shapes, finite values), a queue of typed <see cref="PendingStep"/>s drained by one
/// model thread, and an idle timeout that frees the slots of sessions that stopped sending steps.
/// </summary>
/// <remarks>
/// Steps run on a thread this engine owns: TorchSharp's inference mode and dispose scopes are thread-local, and
/// one owner serialises access to the weights. The queue holds at most one step per session (a session's next
/// step depends on its previous answer), so it is bounded by <see cref="DenoiserEngineOptions.MaxSessions"/>.
/// </remarks>
public sealed class DenoiserSessionEngine : IDisposable
{
    private readonly IDenoiserModel _model;
    private readonly DenoiserEngineOptions _options;
    private readonly TimeProvider _time;
    private readonly Channel<PendingStep> _queue = Channel.CreateUnbounded<PendingStep>(new UnboundedChannelOptions { SingleReader = true });
    private readonly HashSet<DenoiserSession> _sessions = [];
    private readonly Thread _worker;
    private readonly ITimer _idleSweep;
    private bool _disposed;

    /// <summary>Starts the model thread and the idle sweep.</summary>
    public DenoiserSessionEngine(IDenoiserModel model, DenoiserEngineOptions? options = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _options = options ?? new DenoiserEngineOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxSessions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.SessionIdleTimeout, TimeSpan.Zero);
        _time = time ?? TimeProvider.System;
        _worker = new Thread(RunWorker) { IsBackground = true, Name = $"denoiser:{_options.Name}" };
        _worker.Start();

        // A quarter of the timeout keeps the overshoot small; bounded so short test timeouts do not spin.
        var period = TimeSpan.FromTicks(Math.Clamp(_options.SessionIdleTimeout.Ticks / 4, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromSeconds(5).Ticks));
        _idleSweep = _time.CreateTimer(_ => CloseIdleSessions(), null, period, period);
    }

    /// <summary>Raised after a session closes, whoever closed it (logs, tests, metrics).</summary>
    public event Action<DenoiserSessionSummary>? SessionClosed;

    /// <summary>The model served.</summary>
    public IDenoiserModel Model => _model;

    /// <summary>Sessions open now.</summary>
    public int ActiveSessions
    {
        get
        {
            lock (_sessions)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>Steps queued and not yet taken by the model thread.</summary>
    public int PendingSteps => _queue.Reader.Count;

    /// <summary>
    /// Validates <paramref name="setup"/>, takes a session slot and uploads the conditionings to the device.
    /// </summary>
    /// <exception cref="RequestValidationException">A field is invalid (named in the message).</exception>
    /// <exception cref="WorkerBusyException">Every slot is taken.</exception>
    public DenoiserSession Open(DenoiserSessionSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ValidateOpen(setup);
        EnsureCapacity(setup.SessionId);

        // Upload outside the table lock (it copies every conditioning); the slot is re-checked after it.
        var conditionings = _model.Upload(setup.Conditionings, setup.TimeIds);
        try
        {
            lock (_sessions)
            {
                EnsureCapacity(setup.SessionId);
                var session = new DenoiserSession(setup, conditionings, _time.GetTimestamp());
                _sessions.Add(session);
                return session;
            }
        }
        catch
        {
            conditionings.Dispose();
            throw;
        }
    }

    /// <summary>Validates <paramref name="step"/> against the session and queues it; completes with one prediction per index.</summary>
    /// <exception cref="RequestValidationException">The step is out of order or malformed (the message names the field).</exception>
    /// <exception cref="SessionClosedException">The server closed the session.</exception>
    public Task<IReadOnlyList<HostTensor>> StepAsync(DenoiserSession session, DenoiserStep step, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(step);
        ValidateStepContent(session, step);
        PendingStep pending;
        lock (session.Gate)
        {
            if (session.IsClosed)
            {
                throw session.ClosedException();
            }

            if (session.InFlight is not null)
            {
                throw new RequestValidationException("step.step_index", $"step {session.InFlight.Step.StepIndex} is still running; send a session's steps one at a time");
            }

            if (step.StepIndex != session.NextStepIndex)
            {
                throw new RequestValidationException("step.step_index", $"expected {session.NextStepIndex}, got {step.StepIndex}");
            }

            pending = new PendingStep(session, step, Stopwatch.GetTimestamp(), cancellationToken);
            session.InFlight = pending;
            session.LastActivity = _time.GetTimestamp();
        }

        if (!_queue.Writer.TryWrite(pending))
        {
            lock (session.Gate)
            {
                session.InFlight = null;
            }

            throw new SessionClosedException(session.Id, SessionCloseReason.ShuttingDown, $"the {_options.Name} denoiser is shutting down");
        }

        if (cancellationToken.CanBeCanceled)
        {
            // A cancelled caller is answered at once; the worker skips the step when it reaches it.
            var registration = cancellationToken.Register(() => pending.Completion.TrySetCanceled(cancellationToken));
            pending.Completion.Task.ContinueWith(_ => registration.Dispose(), TaskScheduler.Default);
        }

        return pending.Completion.Task;
    }

    /// <summary>Closes a session (the client is done or gone); idempotent.</summary>
    public void Close(DenoiserSession session) => Close(session, serverReason: null, message: string.Empty);

    /// <summary>Closes every session (shutdown) and stops the model thread once the queue is drained.</summary>
    public void Dispose()
    {
        List<DenoiserSession> open;
        lock (_sessions)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            open = [.. _sessions];
        }

        _idleSweep.Dispose();
        foreach (var session in open)
        {
            Close(session, SessionCloseReason.ShuttingDown, $"session '{session.Id}' was closed: the {_options.Name} denoiser is shutting down");
        }

        _queue.Writer.TryComplete();
        _worker.Join(TimeSpan.FromSeconds(30));
    }

    private void EnsureCapacity(string sessionId)
    {
        lock (_sessions)
        {
            if (_disposed)
            {
                throw new SessionClosedException(sessionId, SessionCloseReason.ShuttingDown, $"the {_options.Name} denoiser is shutting down");
            }

            if (_sessions.Count >= _options.MaxSessions)
            {
                throw new WorkerBusyException($"the {_options.Name} denoiser (maximum {_options.MaxSessions} sessions)");
            }
        }
    }

    private void ValidateOpen(DenoiserSessionSetup setup)
    {
        if (string.IsNullOrEmpty(setup.SessionId))
        {
            throw new RequestValidationException("open.session_id", "must not be empty");
        }

        if (setup.Conditionings.Count == 0)
        {
            throw new RequestValidationException("open.conditionings", "at least one conditioning is required");
        }

        if (setup.FirstStepIndex < 0)
        {
            throw new RequestValidationException("open.first_step_index", $"{setup.FirstStepIndex} must not be negative");
        }

        _model.ValidateConditionings(setup.Conditionings, setup.TimeIds, "open.conditionings");
        for (int i = 0; i < setup.Conditionings.Count; i++)
        {
            var c = setup.Conditionings[i];
            if (!AllFinite(c.HiddenStates))
            {
                throw new RequestValidationException($"open.conditionings[{i}].hidden_states", "contains NaN or infinite values");
            }

            if (c.Pooled is not null && !AllFinite(c.Pooled))
            {
                throw new RequestValidationException($"open.conditionings[{i}].pooled", "contains NaN or infinite values");
            }
        }

        if (setup.TimeIds.Any(v => !float.IsFinite(v)))
        {
            throw new RequestValidationException("open.time_ids", "contains NaN or infinite values");
        }
    }

    private void ValidateStepContent(DenoiserSession session, DenoiserStep step)
    {
        if (!float.IsFinite(step.Timestep) || step.Timestep < 0)
        {
            throw new RequestValidationException("step.timestep", $"{step.Timestep} is not a finite non-negative value");
        }

        if (step.ConditioningIndices.Count == 0 || step.ConditioningIndices.Any(i => i < 0 || i >= session.ConditioningCount))
        {
            throw new RequestValidationException("step.conditioning_indices", $"must name 1 or more of the {session.ConditioningCount} session conditionings");
        }

        if (step.Latent is null)
        {
            throw new RequestValidationException("step.latent", "is required");
        }

        _model.ValidateLatent(step.Latent, "step.latent");
    }

    private static bool AllFinite(HostTensor tensor)
    {
        foreach (float v in tensor.Data)
        {
            if (!float.IsFinite(v))
            {
                return false;
            }
        }

        return true;
    }

    private void Close(DenoiserSession session, SessionCloseReason? serverReason, string message)
    {
        bool closedNow;
        lock (session.Gate)
        {
            closedNow = session.MarkClosed(serverReason, message);
        }

        if (!closedNow)
        {
            return;
        }

        lock (_sessions)
        {
            _sessions.Remove(session);
        }

        if (serverReason is not null)
        {
            session.SignalServerClose();
        }

        SessionClosed?.Invoke(session.Summary());
    }

    private void CloseIdleSessions()
    {
        List<DenoiserSession> idle = [];
        long now = _time.GetTimestamp();
        lock (_sessions)
        {
            foreach (var session in _sessions)
            {
                lock (session.Gate)
                {
                    // A session whose step is queued or running is waiting on us, not idle.
                    if (session.InFlight is null && _time.GetElapsedTime(session.LastActivity, now) > _options.SessionIdleTimeout)
                    {
                        idle.Add(session);
                    }
                }
            }
        }

        foreach (var session in idle)
        {
            Close(session, SessionCloseReason.IdleTimeout,
                $"session '{session.Id}' sent no step for {_options.SessionIdleTimeout.TotalSeconds:0.###} s and was closed (Denoiser:SessionIdleTimeout); open a new session");
        }
    }

    private void RunWorker()
    {
        using var mode = torch.inference_mode();
        while (_queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (_queue.Reader.TryRead(out var pending))
            {
                Execute(pending);
            }
        }
    }

    private void Execute(PendingStep pending)
    {
        var session = pending.Session;
        DeviceConditionings? conditionings = null;
        lock (session.Gate)
        {
            if (!session.IsClosed && !pending.Completion.Task.IsCompleted && !pending.CancellationToken.IsCancellationRequested)
            {
                conditionings = session.Conditionings;
            }
        }

        if (conditionings is null)
        {
            Finish(pending, predictions: null);
            return;
        }

        try
        {
            using var scope = torch.NewDisposeScope();
            var predictions = _model.Predict(pending.Step.Latent, pending.Step.Timestep, conditionings, pending.Step.ConditioningIndices);
            Finish(pending, predictions);
        }
#pragma warning disable CA1031 // The failure is handed to the caller's task, not swallowed.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            lock (session.Gate)
            {
                session.InFlight = null;
                if (session.IsClosed)
                {
                    session.ReleaseConditionings();
                }
            }

            pending.Completion.TrySetException(ex);
        }
    }

    /// <summary>Clears the in-flight slot, counts an answered step, and completes the caller's task.</summary>
    private void Finish(PendingStep pending, IReadOnlyList<HostTensor>? predictions)
    {
        var session = pending.Session;
        bool closed;
        lock (session.Gate)
        {
            session.InFlight = null;
            closed = session.IsClosed;
            if (predictions is not null && !closed && !pending.Completion.Task.IsCompleted)
            {
                session.Answered(pending.Step.ConditioningIndices.Count, _time.GetTimestamp());
            }
            else if (!closed)
            {
                session.LastActivity = _time.GetTimestamp();
            }

            if (closed)
            {
                session.ReleaseConditionings();
            }
        }

        if (predictions is not null && !closed)
        {
            pending.Completion.TrySetResult(predictions);
        }
        else if (pending.CancellationToken.IsCancellationRequested)
        {
            pending.Completion.TrySetCanceled(pending.CancellationToken);
        }
        else
        {
            pending.Completion.TrySetException(session.IsClosed ? session.ClosedException() : new OperationCanceledException());
        }
    }
}
