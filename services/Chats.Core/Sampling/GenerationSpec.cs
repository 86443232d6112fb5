using Chats.Core.Guidance;
using Chats.Core.Schedulers;

namespace Chats.Core.Sampling;

/// <summary>A validated generation request (see <see cref="GenerationRequestValidator"/>).</summary>
public sealed record GenerationSpec(
    string Prompt,
    string NegativePrompt,
    int Width,
    int Height,
    int Steps,
    ulong Seed,
    GuidanceParameters Guidance,
    SchedulerKind Scheduler,
    int NumImages);
