using Grpc.Core;

namespace Chats.Sampler;

/// <summary>
/// The sampler's generation log lines. Each names the generation id (also the log scope of everything logged during
/// the generation, and a tag of its trace). Prompts are logged at Trace only: they are the user's data.
/// </summary>
internal static partial class SamplerLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Generation {GenerationId} started: mode {Mode}, arm {Arm}, {Steps} steps, {Width}x{Height}, {Images} image(s), scheduler {Scheduler}")]
    public static partial void Started(ILogger logger, string generationId, string mode, string arm, int steps, int width, int height, int images, string scheduler);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Generation {GenerationId} finished in {DurationMs:F0} ms")]
    public static partial void Finished(ILogger logger, string generationId, double durationMs);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Generation {GenerationId} failed after {DurationMs:F0} ms: {Status} {Detail}")]
    public static partial void Failed(ILogger logger, string generationId, double durationMs, string status, string detail);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Generation {GenerationId} cancelled after {DurationMs:F0} ms")]
    public static partial void Cancelled(ILogger logger, string generationId, double durationMs);

    [LoggerMessage(EventId = 5, Level = LogLevel.Trace, Message = "Generation {GenerationId} prompt: {Prompt}; negative prompt: {NegativePrompt}")]
    public static partial void Prompts(ILogger logger, string generationId, string prompt, string negativePrompt);

    /// <summary>Logs how a generation ended with <paramref name="error"/> (a client's cancellation is not a failure).</summary>
    public static void Ended(ILogger logger, string generationId, TimeSpan elapsed, Exception error, bool clientCancelled)
    {
        if (clientCancelled)
        {
            Cancelled(logger, generationId, elapsed.TotalMilliseconds);
            return;
        }

        var (status, detail) = error switch
        {
            RpcException rpc => (rpc.StatusCode.ToString(), rpc.Status.Detail),
            _ => (error.GetType().Name, error.Message),
        };
        Failed(logger, generationId, elapsed.TotalMilliseconds, status, detail);
    }
}
