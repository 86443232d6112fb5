using Chats.Core.Tensors;

namespace Chats.Tools;

/// <summary>One denoiser call as the pipeline made it: step, timestep, model input, conditioning indices and predictions (one per index).</summary>
public sealed record RecordedDenoiserStep(
    int StepIndex, float Timestep, HostTensor Input, IReadOnlyList<int> ConditioningIndices, IReadOnlyList<HostTensor> Outputs);
