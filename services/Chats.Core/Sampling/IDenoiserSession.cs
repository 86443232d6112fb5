using Chats.Core.Tensors;

namespace Chats.Core.Sampling;

/// <summary>One generation's conversation with one denoiser: one call per denoising step.</summary>
public interface IDenoiserSession : IAsyncDisposable
{
    /// <summary>
    /// Predicts for <paramref name="latent"/> [batch, C, H, W] at <paramref name="timestep"/>, once per
    /// requested conditioning index; each prediction has the latent's shape.
    /// </summary>
    Task<IReadOnlyList<HostTensor>> PredictAsync(
        int stepIndex, float timestep, HostTensor latent, IReadOnlyList<int> conditioningIndices, CancellationToken cancellationToken);
}
