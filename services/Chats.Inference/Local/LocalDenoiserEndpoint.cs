using Chats.Core.Sampling;
using Chats.Core.Tensors;
using Chats.Inference.Engine;
using Chats.Inference.Roles;

namespace Chats.Inference.Local;

/// <summary>
/// An in-process <see cref="IDenoiserEndpoint"/> over a loaded model (CLI, lab, tests; the services talk gRPC).
/// It runs on the same <see cref="DenoiserSessionEngine"/> as the denoiser service, so the session protocol and its
/// checks are the same in both.
/// </summary>
public sealed class LocalDenoiserEndpoint : IDenoiserEndpoint, IDisposable
{
    private readonly DenoiserSessionEngine _engine;
    private readonly bool _ownsEngine;

    /// <summary>Serves <paramref name="model"/> through an engine of its own (disposed with this endpoint).</summary>
    public LocalDenoiserEndpoint(IDenoiserModel model, DenoiserEngineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _engine = new DenoiserSessionEngine(model, options ?? new DenoiserEngineOptions { Name = model.Description.Component });
        _ownsEngine = true;
    }

    /// <summary>Serves through an existing engine (not disposed with this endpoint).</summary>
    public LocalDenoiserEndpoint(DenoiserSessionEngine engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        _engine = engine;
    }

    /// <summary>The engine sessions run on.</summary>
    public DenoiserSessionEngine Engine => _engine;

    /// <inheritdoc />
    public Task<IDenoiserSession> OpenSessionAsync(DenoiserSessionSetup setup, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IDenoiserSession>(new Session(_engine, _engine.Open(setup)));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsEngine)
        {
            _engine.Dispose();
        }
    }

    private sealed class Session(DenoiserSessionEngine engine, DenoiserSession session) : IDenoiserSession
    {
        public Task<IReadOnlyList<HostTensor>> PredictAsync(
            int stepIndex, float timestep, HostTensor latent, IReadOnlyList<int> conditioningIndices, CancellationToken cancellationToken)
            => engine.StepAsync(session, new DenoiserStep(stepIndex, timestep, latent, conditioningIndices), cancellationToken);

        public ValueTask DisposeAsync()
        {
            engine.Close(session);
            return ValueTask.CompletedTask;
        }
    }
}
