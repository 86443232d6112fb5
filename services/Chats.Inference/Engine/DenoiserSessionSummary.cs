using Chats.Core.Sampling;
using Chats.Core.Tensors;

namespace Chats.Inference.Engine;

/// <summary>What one session did, reported when it closes (<see cref="DenoiserSessionEngine.SessionClosed"/>).</summary>
/// <param name="SessionId">The id the client opened it with.</param>
/// <param name="Conditionings">How many conditionings it was opened with.</param>
/// <param name="FirstStepIndex">The step it was opened at (non-zero for a generation resumed here).</param>
/// <param name="Steps">Steps answered.</param>
/// <param name="Predictions">Predictions computed (steps × conditionings evaluated per step).</param>
/// <param name="ServerCloseReason">Why the server closed it; null when its client did.</param>
/// <param name="PredictionDType">The dtype its predictions were returned in (the wire dtype its client opened it with).</param>
/// <param name="LatentBytes">Bytes of the latents of its answered steps, as received.</param>
/// <param name="PredictionBytes">Bytes of the predictions it returned.</param>
public sealed record DenoiserSessionSummary(
    string SessionId,
    int Conditionings,
    int FirstStepIndex,
    int Steps,
    int Predictions,
    SessionCloseReason? ServerCloseReason,
    WireDType PredictionDType,
    long LatentBytes,
    long PredictionBytes);
