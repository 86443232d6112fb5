using Chats.Core.Sampling;
using Chats.Core.Tensors;

namespace Chats.Inference.Roles;

/// <summary>A loaded denoising network that evaluates one step for one or more conditionings.</summary>
public interface IDenoiserModel : IDisposable
{
    /// <summary>Identity and accepted shapes.</summary>
    DenoiserDescription Description { get; }

    /// <summary>
    /// Places a session's conditionings (and SDXL time ids) on the model's device and dtype, once per session.
    /// The caller owns the result.
    /// </summary>
    DeviceConditionings Upload(IReadOnlyList<PromptConditioning> conditionings, float[] timeIds);

    /// <summary>
    /// Predicts for <paramref name="latent"/> [batch, C, H, W] at <paramref name="timestep"/>, once per entry of
    /// <paramref name="indices"/> into <paramref name="conditionings"/>, in one batched forward pass; predictions
    /// come back as fp32 host tensors of the latent's shape. Synchronous: call it on a thread that owns torch work
    /// (inference mode and dispose scopes are thread-local), as <see cref="Engine.DenoiserSessionEngine"/> does.
    /// </summary>
    IReadOnlyList<HostTensor> Predict(HostTensor latent, float timestep, DeviceConditionings conditionings, IReadOnlyList<int> indices);

    /// <summary>Checks that a session's conditionings fit this model; throws <see cref="RequestValidationException"/> naming the field.</summary>
    void ValidateConditionings(IReadOnlyList<PromptConditioning> conditionings, float[] timeIds, string field);

    /// <summary>Checks that a step's latent fits this model; throws <see cref="RequestValidationException"/> naming the field.</summary>
    void ValidateLatent(HostTensor latent, string field);
}
