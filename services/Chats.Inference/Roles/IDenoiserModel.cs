using Chats.Core.Sampling;
using Chats.Core.Tensors;

namespace Chats.Inference.Roles;

/// <summary>A loaded denoising network that evaluates one step for one or more conditionings.</summary>
public interface IDenoiserModel : IDisposable
{
    /// <summary>Identity and accepted shapes.</summary>
    DenoiserDescription Description { get; }

    /// <summary>
    /// Predicts for <paramref name="latent"/> [batch, C, H, W] at <paramref name="timestep"/>, once per entry of
    /// <paramref name="conditionings"/>, in one batched forward pass. <paramref name="timeIds"/> is the SDXL
    /// micro-conditioning (empty otherwise).
    /// </summary>
    Task<IReadOnlyList<HostTensor>> PredictAsync(
        HostTensor latent, float timestep, IReadOnlyList<PromptConditioning> conditionings, float[] timeIds, CancellationToken cancellationToken);

    /// <summary>Checks that a session's conditionings fit this model; throws <see cref="RequestValidationException"/> naming the field.</summary>
    void ValidateConditionings(IReadOnlyList<PromptConditioning> conditionings, float[] timeIds, string field);

    /// <summary>Checks that a step's latent fits this model; throws <see cref="RequestValidationException"/> naming the field.</summary>
    void ValidateLatent(HostTensor latent, string field);
}
