using Chats.Core.Sampling;
using Chats.Core.Tensors;

namespace Chats.Core.Tests.Sampling;

/// <summary>A denoiser predicting zeros; keeps the setups of the sessions opened on it.</summary>
internal sealed class ZeroDenoiserEndpoint : IDenoiserEndpoint, IDenoiserSession
{
    public List<DenoiserSessionSetup> Setups { get; } = [];

    public Task<IDenoiserSession> OpenSessionAsync(DenoiserSessionSetup setup, CancellationToken cancellationToken)
    {
        Setups.Add(setup);
        return Task.FromResult<IDenoiserSession>(this);
    }

    public Task<IReadOnlyList<HostTensor>> PredictAsync(
        int stepIndex, float timestep, HostTensor latent, IReadOnlyList<int> conditioningIndices, CancellationToken cancellationToken)
        => Task.FromResult<IReadOnlyList<HostTensor>>([.. conditioningIndices.Select(_ => HostTensor.Zeros((long[])latent.Shape.Clone()))]);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
