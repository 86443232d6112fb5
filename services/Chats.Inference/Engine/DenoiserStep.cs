using Chats.Core.Tensors;

namespace Chats.Inference.Engine;

/// <summary>One step a session asks of its denoiser: self-contained, so steps of many sessions can be batched.</summary>
/// <param name="StepIndex">The session's next step (sessions run their steps in order).</param>
/// <param name="Timestep">The model timestep.</param>
/// <param name="Latent">
/// The scaled model input [batch, C, H, W] as it arrived: the received bytes in their wire dtype, which the model
/// copies straight into its input tensor (no fp32 host copy in between).
/// </param>
/// <param name="ConditioningIndices">Which of the session's conditionings to evaluate; one prediction each, in order.</param>
public sealed record DenoiserStep(int StepIndex, float Timestep, WireTensor Latent, IReadOnlyList<int> ConditioningIndices)
{
    /// <summary>A step with an fp32 host latent (in-process callers), wrapped without a copy: do not write to it until the step is answered.</summary>
    public DenoiserStep(int stepIndex, float timestep, HostTensor latent, IReadOnlyList<int> conditioningIndices)
        : this(stepIndex, timestep, WireTensorCodec.Wrap(latent), conditioningIndices)
    {
    }
}
