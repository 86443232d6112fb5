using Chats.Core.Sampling;
using Chats.Core.Tensors;
using Chats.Inference.Roles;

namespace Chats.Core.Tests.Inference;

/// <summary>A real model that counts how often it is asked to upload and to predict.</summary>
internal sealed class CountingDenoiserModel(IDenoiserModel inner) : IDenoiserModel
{
    private int _uploads;
    private int _predictions;

    public int Uploads => Volatile.Read(ref _uploads);

    public int Predictions => Volatile.Read(ref _predictions);

    public DenoiserDescription Description => inner.Description;

    public DeviceConditionings Upload(IReadOnlyList<PromptConditioning> conditionings, float[] timeIds)
    {
        Interlocked.Increment(ref _uploads);
        return inner.Upload(conditionings, timeIds);
    }

    public IReadOnlyList<HostTensor> Predict(HostTensor latent, float timestep, DeviceConditionings conditionings, IReadOnlyList<int> indices)
    {
        Interlocked.Increment(ref _predictions);
        return inner.Predict(latent, timestep, conditionings, indices);
    }

    public void ValidateConditionings(IReadOnlyList<PromptConditioning> conditionings, float[] timeIds, string field)
        => inner.ValidateConditionings(conditionings, timeIds, field);

    public void ValidateLatent(HostTensor latent, string field) => inner.ValidateLatent(latent, field);

    // The wrapped model belongs to the test.
    public void Dispose()
    {
    }
}
