using Chats.Core.Guidance;
using Chats.Core.Schedulers;

namespace Chats.Core.Sampling;

/// <summary>A generation request as received, before validation; null or 0 means "use the default".</summary>
public sealed record GenerationRequestInput(
    string Prompt,
    string NegativePrompt,
    int Width,
    int Height,
    int Steps,
    ulong Seed,
    float? GuidanceScale,
    float? Alpha,
    GuidanceMode? Mode,
    SchedulerKind? Scheduler,
    int NumImages);
