using Chats.Core.Tensors;

namespace Chats.Inference.Engine;

/// <summary>One step a session asks of its denoiser: self-contained, so steps of many sessions can be batched.</summary>
/// <param name="StepIndex">The session's next step (sessions run their steps in order).</param>
/// <param name="Timestep">The model timestep.</param>
/// <param name="Latent">The scaled model input [batch, C, H, W].</param>
/// <param name="ConditioningIndices">Which of the session's conditionings to evaluate; one prediction each, in order.</param>
public sealed record DenoiserStep(int StepIndex, float Timestep, HostTensor Latent, IReadOnlyList<int> ConditioningIndices);
