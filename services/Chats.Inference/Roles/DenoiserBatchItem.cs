using Chats.Core.Tensors;

namespace Chats.Inference.Roles;

/// <summary>One session's step inside a batched forward pass: its own latent, timestep, conditionings and indices.</summary>
/// <param name="Latent">The scaled model input [b, C, H, W], in its wire dtype.</param>
/// <param name="Timestep">This step's model timestep (each sample of a batch keeps its own).</param>
/// <param name="Conditionings">The session's conditionings on the device.</param>
/// <param name="Indices">Which conditionings to evaluate; the item contributes b × <c>Indices.Count</c> rows.</param>
/// <param name="PredictionDType">The dtype the item's predictions are returned in (the session's wire dtype).</param>
public sealed record DenoiserBatchItem(
    WireTensor Latent, float Timestep, DeviceConditionings Conditionings, IReadOnlyList<int> Indices, WireDType PredictionDType = WireDType.Float32)
{
    /// <summary>Rows of the forward pass this item takes: latents × conditionings evaluated.</summary>
    public long Rows => Latent.Shape[0] * Indices.Count;
}
