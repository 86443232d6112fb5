using Chats.Core.Schedulers;
using Chats.Core.Tensors;

namespace Chats.Core.Sampling;

/// <summary>
/// Where one generation stands between two denoising steps, in the open: enough to continue it in a fresh
/// <see cref="GenerationPipeline"/> (another sampler, after a restart) with byte-identical images. Produced by
/// <see cref="GenerationPipeline.PrepareAsync"/> and <see cref="GenerationRun.Capture"/>; serialised exactly by
/// <see cref="GenerationStateCodec"/>.
/// </summary>
/// <remarks>
/// The conditionings are stored as tensors rather than as embedding-cache keys, so a resumed generation does
/// not depend on the cache still holding them (or on the text encoder being reachable). Instances are treated as
/// immutable: <see cref="GenerationRun.Capture"/> copies what it hands out.
/// </remarks>
/// <param name="GenerationId">The id denoiser session ids derive from.</param>
/// <param name="Spec">The validated request.</param>
/// <param name="Conditional">The prompt's conditioning c.</param>
/// <param name="Unconditional">The negative prompt's conditioning ∅ (zeros under SDXL's force_zeros rule).</param>
/// <param name="StepIndex">The next denoising step, 0…<see cref="TotalSteps"/>.</param>
/// <param name="Latents">The latents before step <paramref name="StepIndex"/>, [num_images, C, H/f, W/f].</param>
/// <param name="Scheduler">The scheduler's trajectory state (DPM-Solver's history included).</param>
public sealed record GenerationState(
    string GenerationId,
    GenerationSpec Spec,
    PromptConditioning Conditional,
    PromptConditioning Unconditional,
    int StepIndex,
    HostTensor Latents,
    SchedulerState Scheduler)
{
    /// <summary>The trajectory length.</summary>
    public int TotalSteps => Scheduler.NumInferenceSteps;

    /// <summary>True when every denoising step has run and only decoding is left.</summary>
    public bool IsDenoised => StepIndex >= TotalSteps;
}
