using Chats.Core.Sampling;
using Chats.Core.Tensors;

namespace Chats.Core.Tests.Replicas;

/// <summary>
/// A denoiser replica with a deterministic prediction (latent × (index + 2) + conditioning's first value) that fails
/// on a chosen step, as a replica that dies mid-generation would; records what each session was opened with.
/// </summary>
internal sealed class ScriptedDenoiser(string name) : IDenoiserEndpoint
{
    public string Name { get; } = name;

    public Core.Replicas.ReplicaFailure? FailOpen { get; set; }

    public int? FailAtStep { get; set; }

    public Core.Replicas.ReplicaFailure FailAtStepWith { get; set; } = Core.Replicas.ReplicaFailure.Unavailable;

    /// <summary>Another replica whose planned step failure is the same fault (one replica fails, whichever has the session).</summary>
    public ScriptedDenoiser? Peer { get; set; }

    public List<DenoiserSessionSetup> Opened { get; } = [];

    public List<int> Steps { get; } = [];

    public Task<IDenoiserSession> OpenSessionAsync(DenoiserSessionSetup setup, CancellationToken cancellationToken)
    {
        if (FailOpen is { } failure)
        {
            throw new ReplicaFault(failure);
        }

        lock (Opened)
        {
            Opened.Add(setup);
        }

        return Task.FromResult<IDenoiserSession>(new Session(this, setup));
    }

    private sealed class Session(ScriptedDenoiser owner, DenoiserSessionSetup setup) : IDenoiserSession
    {
        public Task<IReadOnlyList<HostTensor>> PredictAsync(
            int stepIndex, float timestep, HostTensor latent, IReadOnlyList<int> conditioningIndices, CancellationToken cancellationToken)
        {
            if (owner.FailAtStep == stepIndex)
            {
                owner.FailAtStep = null;
                owner.Peer?.FailAtStep = null;
                throw new ReplicaFault(owner.FailAtStepWith);
            }

            owner.Steps.Add(stepIndex);
            IReadOnlyList<HostTensor> predictions = conditioningIndices
                .Select(i => new HostTensor(latent.Data.Select(v => (v * (i + 2)) + setup.Conditionings[i].HiddenStates.Data[0] + timestep).ToArray(), latent.Shape))
                .ToList();
            return Task.FromResult(predictions);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
