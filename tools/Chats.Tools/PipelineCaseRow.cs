using Chats.Core.Sampling;
using Chats.Core.Tensors;

namespace Chats.Tools;

/// <summary>What one row of a reference case produced in <see cref="PipelineCaseRunner"/>.</summary>
/// <param name="Latents">The latents after each step, [1, C, h, w].</param>
/// <param name="Raw">The decoder's raw output for the final latents, [1, 3, H, W] in [−1, 1] before clamping.</param>
/// <param name="Denoisers">Per role: the sessions it was opened with and every step it ran.</param>
internal sealed record PipelineCaseRow(
    List<HostTensor> Latents,
    HostTensor Raw,
    IReadOnlyDictionary<DenoiserRole, (IReadOnlyList<DenoiserSessionSetup> Setups, IReadOnlyList<RecordedDenoiserStep> Steps)> Denoisers);
