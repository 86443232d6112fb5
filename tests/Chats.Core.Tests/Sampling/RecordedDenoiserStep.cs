using Chats.Core.Tensors;

namespace Chats.Core.Tests.Sampling;

/// <summary>One denoiser call as the pipeline made it: step, timestep, model input, conditioning indices and predictions (one per index).</summary>
internal sealed record RecordedDenoiserStep(
    int StepIndex, float Timestep, HostTensor Input, IReadOnlyList<int> ConditioningIndices, IReadOnlyList<HostTensor> Outputs);
