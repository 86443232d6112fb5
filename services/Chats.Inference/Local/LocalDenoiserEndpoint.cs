using Chats.Core.Sampling;
using Chats.Core.Tensors;
using Chats.Inference.Roles;

namespace Chats.Inference.Local;

/// <summary>An in-process <see cref="IDenoiserEndpoint"/> over a loaded model (CLI and tests; the services talk gRPC).</summary>
public sealed class LocalDenoiserEndpoint(IDenoiserModel model) : IDenoiserEndpoint
{
    /// <inheritdoc />
    public Task<IDenoiserSession> OpenSessionAsync(DenoiserSessionSetup setup, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(setup);
        model.ValidateConditionings(setup.Conditionings, setup.TimeIds, "open.conditionings");
        return Task.FromResult<IDenoiserSession>(new Session(model, setup));
    }

    private sealed class Session(IDenoiserModel model, DenoiserSessionSetup setup) : IDenoiserSession
    {
        public Task<IReadOnlyList<HostTensor>> PredictAsync(
            int stepIndex, float timestep, HostTensor latent, IReadOnlyList<int> conditioningIndices, CancellationToken cancellationToken)
        {
            model.ValidateLatent(latent, "step.latent");
            var selected = conditioningIndices.Select(i => setup.Conditionings[i]).ToList();
            return model.PredictAsync(latent, timestep, selected, setup.TimeIds, cancellationToken);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
