using Chats.Core.Sampling;
using Chats.Core.Tensors;
using Chats.Inference.Roles;

namespace Chats.Inference.Engine;

/// <summary>
/// One open session of a <see cref="DenoiserSessionEngine"/>: its conditionings on the device, where it stands in
/// its step sequence, and a token that fires when the server closes it (idle timeout, shutdown).
/// </summary>
// The close signal's source is never disposed: it has no timer (nothing to free), and handlers may still link to
// the token after the session closed.
#pragma warning disable CA1001
public sealed class DenoiserSession
#pragma warning restore CA1001
{
    private readonly CancellationTokenSource _closed = new();
    private DeviceConditionings? _conditionings;
    private SessionCloseReason? _serverCloseReason;
    private bool _isClosed;
    private string _closedMessage = string.Empty;

    internal DenoiserSession(DenoiserSessionSetup setup, DeviceConditionings conditionings, WireDType predictionDType, long now)
    {
        PredictionDType = predictionDType;
        Id = setup.SessionId;
        ConditioningCount = setup.Conditionings.Count;
        FirstStepIndex = setup.FirstStepIndex;
        NextStepIndex = setup.FirstStepIndex;
        _conditionings = conditionings;
        LastActivity = now;
    }

    /// <summary>The client's session id.</summary>
    public string Id { get; }

    /// <summary>How many conditionings steps may refer to.</summary>
    public int ConditioningCount { get; }

    /// <summary>The step the session was opened at.</summary>
    public int FirstStepIndex { get; }

    /// <summary>The step index the next step must carry.</summary>
    public int NextStepIndex { get; private set; }

    /// <summary>Steps answered so far.</summary>
    public int Steps { get; private set; }

    /// <summary>Predictions computed so far.</summary>
    public int Predictions { get; private set; }

    /// <summary>The dtype this session's predictions are returned in (what its client asked for on the wire).</summary>
    public WireDType PredictionDType { get; }

    /// <summary>Bytes of the latents of the answered steps, as received (in their wire dtype).</summary>
    public long LatentBytes { get; private set; }

    /// <summary>Bytes of the predictions returned so far.</summary>
    public long PredictionBytes { get; private set; }

    /// <summary>Fires when the server closes the session (not when its client does).</summary>
    public CancellationToken Closed => _closed.Token;

    internal object Gate { get; } = new();

    /// <summary>The step queued or running, if any (guarded by <see cref="Gate"/>).</summary>
    internal PendingStep? InFlight { get; set; }

    internal long LastActivity { get; set; }

    internal bool IsClosed => _isClosed;

    internal DeviceConditionings Conditionings => _conditionings ?? throw ClosedException();

    /// <summary>The error a server-closed session's client gets (it says why, e.g. the idle timeout).</summary>
    public SessionClosedException ClosedException()
        => new(Id, _serverCloseReason ?? SessionCloseReason.ShuttingDown, _closedMessage.Length > 0 ? _closedMessage : $"session '{Id}' is closed");

    internal DenoiserSessionSummary Summary()
        => new(Id, ConditioningCount, FirstStepIndex, Steps, Predictions, _serverCloseReason, PredictionDType, LatentBytes, PredictionBytes);

    /// <summary>Records an answered step (guarded by <see cref="Gate"/>).</summary>
    internal void Answered(DenoiserStep step, IReadOnlyList<WireTensor> predictions, long now)
    {
        NextStepIndex++;
        Steps++;
        Predictions += predictions.Count;
        LatentBytes += step.Latent.Data.Length;
        PredictionBytes += predictions.Sum(p => (long)p.Data.Length);
        LastActivity = now;
    }

    /// <summary>
    /// Marks the session closed (guarded by <see cref="Gate"/>); returns true the first time. The device tensors are
    /// released now unless a step still runs on them, in which case the worker releases them after it.
    /// </summary>
    internal bool MarkClosed(SessionCloseReason? serverReason, string message)
    {
        if (_isClosed)
        {
            return false;
        }

        _isClosed = true;
        _serverCloseReason = serverReason;
        _closedMessage = message;
        if (InFlight is null)
        {
            ReleaseConditionings();
        }

        return true;
    }

    /// <summary>Signals <see cref="Closed"/>; outside the gate, since token callbacks run inline.</summary>
    internal void SignalServerClose()
    {
        try
        {
            _closed.Cancel();
        }
        catch (AggregateException)
        {
            // A callback of the client's failed; the session is closed regardless.
        }
    }

    internal void ReleaseConditionings()
    {
        _conditionings?.Dispose();
        _conditionings = null;
    }
}
