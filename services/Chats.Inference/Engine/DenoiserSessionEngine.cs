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
    private readonly List<PendingStep> _backlog = [];
    private int _queued;
    private bool _disposed;

    /// <summary>Starts the model thread and the idle sweep.</summary>
    public DenoiserSessionEngine(IDenoiserModel model, DenoiserEngineOptions? options = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _options = options ?? new DenoiserEngineOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxSessions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.SessionIdleTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxQueuedSteps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxQueueDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(_options.Threads);
        _time = time ?? TimeProvider.System;
        _worker = new Thread(RunWorker) { IsBackground = true, Name = $"denoiser:{_options.Name}" };
        _worker.Start();

        // A quarter of the timeout keeps the overshoot small; bounded so short test timeouts do not spin.
        var period = TimeSpan.FromTicks(Math.Clamp(_options.SessionIdleTimeout.Ticks / 4, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromSeconds(5).Ticks));
        _idleSweep = _time.CreateTimer(_ => CloseIdleSessions(), null, period, period);
    }

    /// <summary>Raised after a session closes, whoever closed it (logs, tests, metrics).</summary>
    public event Action<DenoiserSessionSummary>? SessionClosed;

    /// <summary>Raised on the model thread after each forward pass (metrics); keep handlers short.</summary>
    public event Action<DenoiserBatchStats>? BatchExecuted;

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

    /// <summary>Steps queued and not yet taken into a forward pass.</summary>
    public int PendingSteps => Volatile.Read(ref _queued);

    /// <summary>The engine's limits.</summary>
    public DenoiserEngineOptions Options => _options;

    /// <summary>
    /// Validates <paramref name="setup"/>, takes a session slot and uploads the conditionings to the device. The
    /// session's predictions come back in <paramref name="predictionDType"/> (the dtype its client asked for on the wire).
    /// </summary>
    /// <exception cref="RequestValidationException">A field is invalid (named in the message).</exception>
    /// <exception cref="WorkerBusyException">Every slot is taken.</exception>
    public DenoiserSession Open(DenoiserSessionSetup setup, WireDType predictionDType = WireDType.Float32)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ValidateOpen(setup);
        EnsureCapacity(setup.SessionId);

        // Upload outside the table lock (it copies every conditioning); the slot is re-checked after it.
        var conditionings = _model.Upload(setup.Conditionings);
        try
        {
            lock (_sessions)
            {
                EnsureCapacity(setup.SessionId);
                var session = new DenoiserSession(setup, conditionings, predictionDType, _time.GetTimestamp());
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

    /// <summary>
    /// Validates <paramref name="step"/> against the session and queues it; completes with one fp32 prediction per index
    /// (in-process callers: an fp32 session's predictions are handed over uncopied).
    /// </summary>
    /// <exception cref="RequestValidationException">The step is out of order or malformed (the message names the field).</exception>
    /// <exception cref="SessionClosedException">The server closed the session.</exception>
    public Task<IReadOnlyList<HostTensor>> StepAsync(DenoiserSession session, DenoiserStep step, CancellationToken cancellationToken = default)
    {
        var predictions = StepWireAsync(session, step, cancellationToken);
        return AsHostAsync(predictions);

        static async Task<IReadOnlyList<HostTensor>> AsHostAsync(Task<IReadOnlyList<WireTensor>> wire)
            => [.. (await wire.ConfigureAwait(false)).Select(p => WireTensorCodec.AsHost(p))];
    }

    /// <summary>
    /// <see cref="StepAsync"/> for the wire: completes with one prediction per index in the session's prediction dtype,
    /// as the bytes the response will wrap.
    /// </summary>
    /// <exception cref="RequestValidationException">The step is out of order or malformed (the message names the field).</exception>
    /// <exception cref="SessionClosedException">The server closed the session.</exception>
    public Task<IReadOnlyList<WireTensor>> StepWireAsync(DenoiserSession session, DenoiserStep step, CancellationToken cancellationToken = default)
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

            if (Interlocked.Increment(ref _queued) > _options.MaxQueuedSteps)
            {
                Interlocked.Decrement(ref _queued);
                throw new WorkerBusyException($"the {_options.Name} denoiser (queue of {_options.MaxQueuedSteps} steps)", RetryDelay.Step);
            }

            pending = new PendingStep(session, step, Stopwatch.GetTimestamp(), cancellationToken);
            session.InFlight = pending;
            session.LastActivity = _time.GetTimestamp();
        }

        if (!_queue.Writer.TryWrite(pending))
        {
            Interlocked.Decrement(ref _queued);
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

        if (setup.Conditionings.Count > _options.MaxConditionings)
        {
            throw new RequestValidationException("open.conditionings", $"{setup.Conditionings.Count} given; at most {_options.MaxConditionings} (Denoiser:MaxConditionings)");
        }

        const string Tokens = $"tensors[{ConditioningNames.PromptEmbeds}]";
        for (int i = 0; i < setup.Conditionings.Count; i++)
        {
            var shape = setup.Conditionings[i].HiddenStates.Shape;
            if (shape.Length == 2 && shape[0] > _options.MaxConditioningTokens)
            {
                throw new RequestValidationException(
                    $"open.conditionings[{i}].{Tokens}", $"{shape[0]} tokens; at most {_options.MaxConditioningTokens} (Denoiser:MaxConditioningTokens)");
            }
        }

        _model.ValidateConditionings(setup.Conditionings, "open.conditionings");
        long tokens = setup.Conditionings[0].HiddenStates.Shape[0];
        for (int i = 0; i < setup.Conditionings.Count; i++)
        {
            var c = setup.Conditionings[i];
            if (c.HiddenStates.Shape[0] != tokens)
            {
                // Several indices of one step run as one forward pass, which needs equal token counts.
                throw new RequestValidationException(
                    $"open.conditionings[{i}].{Tokens}", $"has {c.HiddenStates.Shape[0]} tokens; every conditioning of a session must have the {tokens} of the first");
            }

            foreach (var (name, tensor) in c.Tensors)
            {
                if (!AllFinite(tensor))
                {
                    throw new RequestValidationException($"open.conditionings[{i}].tensors[{name}]", "contains NaN or infinite values");
                }
            }
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

        var s = step.Latent.Shape;
        if (s.Length == 4 && (s[2] > _options.MaxLatentSide || s[3] > _options.MaxLatentSide))
        {
            throw new RequestValidationException("step.latent", $"shape [{string.Join(", ", s)}]: height and width must be at most {_options.MaxLatentSide} (Denoiser:MaxLatentSide)");
        }

        if (s.Length == 4 && s[0] > _options.MaxLatentBatch)
        {
            throw new RequestValidationException("step.latent", $"shape [{string.Join(", ", s)}]: batch {s[0]} exceeds {_options.MaxLatentBatch} (Denoiser:MaxLatentBatch)");
        }

        _model.ValidateLatent(step.Latent, "step.latent");
        long rows = step.Latent.Shape[0] * step.ConditioningIndices.Count;
        if (rows > _options.MaxBatch)
        {
            // Bounds the work one small message can ask for (1000 repeated indices would be 1000 forwards' worth).
            throw new RequestValidationException(
                "step.conditioning_indices",
                $"{step.Latent.Shape[0]} latents × {step.ConditioningIndices.Count} indices = {rows} rows exceed this denoiser's maximum batch of {_options.MaxBatch} (Denoiser:MaxBatch)");
        }
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
        TorchThreads.ApplyToCurrentThread(_options.Threads);
        using var mode = torch.inference_mode();
        while (WaitForSteps())
        {
            var batch = TakeBatch();
            if (batch.Count > 0)
            {
                Execute(batch);
            }
        }
    }

    /// <summary>Blocks until a step is waiting (true) or the queue is closed and empty (false).</summary>
    private bool WaitForSteps()
    {
        Drain();
        if (_backlog.Count > 0)
        {
            return true;
        }

        if (!_queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            return false;
        }

        Drain();
        return true;
    }

    private void Drain()
    {
        while (_queue.Reader.TryRead(out var pending))
        {
            _backlog.Add(pending);
        }
    }

    /// <summary>
    /// What the next forward pass runs: the oldest waiting step, then — in arrival order — every other step that can
    /// share its forward pass, up to <see cref="DenoiserEngineOptions.MaxBatch"/> rows. With a queue delay it waits
    /// (once) for more steps while the batch is not full. Steps of closed or cancelled sessions leave the queue here.
    /// </summary>
    private List<PendingStep> TakeBatch()
    {
        DropAbandoned();
        if (_backlog.Count == 0)
        {
            return [];
        }

        if (_options.BatchAcrossSessions && _options.MaxQueueDelay > TimeSpan.Zero && _options.MaxBatch > 1 && Rows(_backlog) < _options.MaxBatch)
        {
            WaitForMore(_options.MaxQueueDelay);
            DropAbandoned();
            if (_backlog.Count == 0)
            {
                return [];
            }
        }

        var head = _backlog[0];
        var key = KeyOf(head);
        var batch = new List<PendingStep> { head };
        long rows = head.Step.Latent.Shape[0] * head.Step.ConditioningIndices.Count;
        for (int i = 1; _options.BatchAcrossSessions && i < _backlog.Count && rows < _options.MaxBatch; i++)
        {
            var candidate = _backlog[i];
            long candidateRows = candidate.Step.Latent.Shape[0] * candidate.Step.ConditioningIndices.Count;
            if (rows + candidateRows <= _options.MaxBatch && KeyOf(candidate) == key)
            {
                batch.Add(candidate);
                rows += candidateRows;
            }
        }

        foreach (var taken in batch)
        {
            _backlog.Remove(taken);
        }

        Interlocked.Add(ref _queued, -batch.Count);
        return batch;
    }

    /// <summary>
    /// Open sessions with no step waiting: the only ones a fuller batch could come from. When every open session
    /// already has its step queued (one generation alone, or all of them in phase) waiting cannot fill the batch,
    /// so the delay costs nothing there; sessions out of phase wait for each other once and then stay together.
    /// </summary>
    private int SessionsWithoutQueuedStep()
    {
        // A session has at most one step in flight, so the backlog holds one entry per waiting session.
        lock (_sessions)
        {
            return _sessions.Count - _backlog.Count;
        }
    }

    private void WaitForMore(TimeSpan delay)
    {
        long until = Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency);
        while (Rows(_backlog) < _options.MaxBatch && SessionsWithoutQueuedStep() > 0)
        {
            var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), until);
            if (left <= TimeSpan.Zero)
            {
                return;
            }

            using var timeout = new CancellationTokenSource(left);
            try
            {
                if (!_queue.Reader.WaitToReadAsync(timeout.Token).AsTask().GetAwaiter().GetResult())
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            Drain();
        }
    }

    private static long Rows(List<PendingStep> steps) => steps.Sum(p => p.Step.Latent.Shape[0] * p.Step.ConditioningIndices.Count);

    private (long, long, long, long) KeyOf(PendingStep pending)
    {
        lock (pending.Session.Gate)
        {
            return pending.Session.IsClosed ? default : _model.BatchKey(pending.Step.Latent, pending.Session.Conditionings);
        }
    }

    /// <summary>Answers (cancelled or closed) and removes the waiting steps nobody waits for any more.</summary>
    private void DropAbandoned()
    {
        for (int i = _backlog.Count - 1; i >= 0; i--)
        {
            var pending = _backlog[i];
            bool abandoned;
            lock (pending.Session.Gate)
            {
                abandoned = pending.Session.IsClosed || pending.Completion.Task.IsCompleted || pending.CancellationToken.IsCancellationRequested;
            }

            if (abandoned)
            {
                _backlog.RemoveAt(i);
                Interlocked.Decrement(ref _queued);
                Finish(pending, predictions: null);
            }
        }
    }

    private void Execute(List<PendingStep> batch)
    {
        var items = new List<DenoiserBatchItem>(batch.Count);
        var running = new List<PendingStep>(batch.Count);
        foreach (var pending in batch)
        {
            DeviceConditionings? conditionings = null;
            lock (pending.Session.Gate)
            {
                if (!pending.Session.IsClosed && !pending.Completion.Task.IsCompleted && !pending.CancellationToken.IsCancellationRequested)
                {
                    conditionings = pending.Session.Conditionings;
                }
            }

            if (conditionings is null)
            {
                Finish(pending, predictions: null);
                continue;
            }

            items.Add(new DenoiserBatchItem(pending.Step.Latent, pending.Step.Timestep, conditionings, pending.Step.ConditioningIndices, pending.Session.PredictionDType));
            running.Add(pending);
        }

        if (running.Count == 0)
        {
            return;
        }

        long started = Stopwatch.GetTimestamp();
        IReadOnlyList<IReadOnlyList<WireTensor>> predictions;
        try
        {
            using var scope = torch.NewDisposeScope();
            predictions = _model.Predict(items);
        }
#pragma warning disable CA1031 // The failure is handed to the callers' tasks, not swallowed.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            foreach (var pending in running)
            {
                Fail(pending, ex);
            }

            return;
        }

        double compute = Stopwatch.GetElapsedTime(started).TotalSeconds;
        for (int i = 0; i < running.Count; i++)
        {
            Finish(running[i], predictions[i]);
        }

        BatchExecuted?.Invoke(new DenoiserBatchStats(
            running.Count,
            items.Sum(item => item.Rows),
            running.Select(p => Stopwatch.GetElapsedTime(p.EnqueuedTimestamp, started).TotalSeconds).ToList(),
            compute));
    }

    private static void Fail(PendingStep pending, Exception ex)
    {
        var session = pending.Session;
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

    /// <summary>Clears the in-flight slot, counts an answered step, and completes the caller's task.</summary>
    private void Finish(PendingStep pending, IReadOnlyList<WireTensor>? predictions)
    {
        var session = pending.Session;
        bool closed;
        lock (session.Gate)
        {
            session.InFlight = null;
            closed = session.IsClosed;
            if (predictions is not null && !closed && !pending.Completion.Task.IsCompleted)
            {
                session.Answered(pending.Step, predictions, _time.GetTimestamp());
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
