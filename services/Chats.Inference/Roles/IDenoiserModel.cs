using Chats.Core.Sampling;
using Chats.Core.Tensors;

namespace Chats.Inference.Roles;

/// <summary>A loaded denoising network that evaluates one step for one or more conditionings.</summary>
public interface IDenoiserModel : IDisposable
{
    /// <summary>Identity and accepted shapes.</summary>
    DenoiserDescription Description { get; }

    /// <summary>
    /// Places a session's conditionings (every named tensor, already checked against
    /// <see cref="DenoiserDescription.Conditioning"/>) on the model's device and dtype, once per session. The caller owns the result.
    /// </summary>
    DeviceConditionings Upload(IReadOnlyList<PromptConditioning> conditionings);

    /// <summary>
    /// Evaluates every item of <paramref name="batch"/> in one forward pass (rows of all items concatenated, each
    /// sample with its own timestep, conditioning and time ids) and returns, per item, one prediction per index as
    /// wire tensors of the item's latent shape in the item's <see cref="DenoiserBatchItem.PredictionDType"/> (fp32 ones
    /// wrap fresh fp32 arrays, which <see cref="WireTensorCodec.AsHost"/> hands back uncopied). Items must share the latent's [C, H, W] and the token count of
    /// their conditionings (see <see cref="BatchKey"/>). Synchronous: call it on a thread that owns torch work
    /// (inference mode and dispose scopes are thread-local), as <see cref="Engine.DenoiserSessionEngine"/> does.
    /// </summary>
    IReadOnlyList<IReadOnlyList<WireTensor>> Predict(IReadOnlyList<DenoiserBatchItem> batch);

    /// <summary>What steps must share to run in one forward pass: latent [C, H, W] and the conditionings' token count.</summary>
    (long Channels, long Height, long Width, long Tokens) BatchKey(WireTensor latent, DeviceConditionings conditionings);

    /// <summary>
    /// Checks that a session's conditionings fit this model (by default: exactly the named tensors of
    /// <see cref="DenoiserDescription.Conditioning"/>, each of its shape); throws <see cref="RequestValidationException"/> naming the field.
    /// </summary>
    void ValidateConditionings(IReadOnlyList<PromptConditioning> conditionings, string field)
        => ConditioningValidation.Validate(Description.Conditioning, conditionings, field);

    /// <summary>
    /// Checks that a step's latent (already a well-formed wire tensor) fits this model and holds only finite values;
    /// throws <see cref="RequestValidationException"/> naming the field.
    /// </summary>
    void ValidateLatent(WireTensor latent, string field);
}
