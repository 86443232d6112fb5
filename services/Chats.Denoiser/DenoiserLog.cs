using Chats.Inference.Engine;

namespace Chats.Denoiser;

/// <summary>
/// The denoiser's session log lines. A session id is <c>{generation id}/{role}</c> (the sampler's), so each line names
/// the generation too.
/// </summary>
internal static partial class DenoiserLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Session {SessionId} opened (generation {GenerationId}): {Conditionings} conditioning(s), dtype {DType}, first step {FirstStep}")]
    public static partial void Opened(ILogger logger, string sessionId, string generationId, int conditionings, string dtype, int firstStep);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information,
        Message = "Session {SessionId} closed (generation {GenerationId}) after {Steps} steps ({Predictions} predictions) from step {FirstStep}; server reason {Reason}")]
    public static partial void Closed(ILogger logger, string sessionId, string generationId, int steps, int predictions, int firstStep, string reason);

    /// <summary>Logs a closed session from its summary.</summary>
    public static void Closed(ILogger logger, DenoiserSessionSummary s)
        => Closed(logger, s.SessionId, GenerationOf(s.SessionId), s.Steps, s.Predictions, s.FirstStepIndex, s.ServerCloseReason?.ToString() ?? "none");

    /// <summary>The generation part of a session id (all of it when the client chose another form).</summary>
    public static string GenerationOf(string sessionId)
    {
        int slash = sessionId.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? sessionId[..slash] : sessionId;
    }
}
