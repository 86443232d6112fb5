using System.Collections.Concurrent;
using Chats.Core.Sampling;
using Chats.Core.Tensors;

namespace Chats.Tools;

/// <summary>
/// Passes sessions through to an inner endpoint and keeps what each session was opened with and every step's inputs and
/// outputs: what a reference comparison needs to see of a generation besides its latents.
/// </summary>
public sealed class RecordingDenoiserEndpoint(IDenoiserEndpoint inner) : IDenoiserEndpoint
{
    private readonly ConcurrentQueue<DenoiserSessionSetup> _setups = new();
    private readonly ConcurrentQueue<RecordedDenoiserStep> _steps = new();

    /// <summary>Setups of the sessions opened, in order.</summary>
    public IReadOnlyList<DenoiserSessionSetup> Setups => [.. _setups];

    /// <summary>Steps of all sessions, in the order they completed.</summary>
    public IReadOnlyList<RecordedDenoiserStep> Steps => [.. _steps];

    /// <summary>Forgets everything recorded so far.</summary>
    public void Clear()
    {
        _setups.Clear();
        _steps.Clear();
    }

    /// <inheritdoc />
    public async Task<IDenoiserSession> OpenSessionAsync(DenoiserSessionSetup setup, CancellationToken cancellationToken)
    {
        var session = await inner.OpenSessionAsync(setup, cancellationToken);
        _setups.Enqueue(setup);
        return new Session(session, _steps);
    }

    private sealed class Session(IDenoiserSession inner, ConcurrentQueue<RecordedDenoiserStep> steps) : IDenoiserSession
    {
        public async Task<IReadOnlyList<HostTensor>> PredictAsync(
            int stepIndex, float timestep, HostTensor latent, IReadOnlyList<int> conditioningIndices, CancellationToken cancellationToken)
        {
            var input = latent.Clone();
            var outputs = await inner.PredictAsync(stepIndex, timestep, latent, conditioningIndices, cancellationToken);
            steps.Enqueue(new RecordedDenoiserStep(stepIndex, timestep, input, [.. conditioningIndices], [.. outputs.Select(o => o.Clone())]));
            return outputs;
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
