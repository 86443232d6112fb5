using Chats.Core.Sampling;
using Chats.Core.Tensors;
using Chats.Inference.Roles;

namespace Chats.Core.Tests.Inference;

/// <summary>A real model that counts how often it is asked to upload and to predict.</summary>
internal sealed class CountingDenoiserModel(IDenoiserModel inner) : IDenoiserModel
{
    private int _uploads;
    private int _predictions;
    private int _forwards;

    public int Uploads => Volatile.Read(ref _uploads);

    public int Predictions => Volatile.Read(ref _predictions);

    public DenoiserDescription Description => inner.Description;

    public DeviceConditionings Upload(IReadOnlyList<PromptConditioning> conditionings)
    {
        Interlocked.Increment(ref _uploads);
        return inner.Upload(conditionings);
    }

    public int Forwards => Volatile.Read(ref _forwards);

    public IReadOnlyList<IReadOnlyList<WireTensor>> Predict(IReadOnlyList<DenoiserBatchItem> batch)
    {
        Interlocked.Add(ref _predictions, batch.Count);
        Interlocked.Increment(ref _forwards);
        return inner.Predict(batch);
    }

    public (long Channels, long Height, long Width, long Tokens) BatchKey(WireTensor latent, DeviceConditionings conditionings)
        => inner.BatchKey(latent, conditionings);

    public void ValidateConditionings(IReadOnlyList<PromptConditioning> conditionings, string field)
        => inner.ValidateConditionings(conditionings, field);

    public void ValidateLatent(WireTensor latent, string field) => inner.ValidateLatent(latent, field);

    // The wrapped model belongs to the test.
    public void Dispose()
    {
    }
}
