using System.Diagnostics;
using Chats.Core.Sampling;
using Chats.Core.Tensors;

namespace Chats.Core.Replicas;

/// <summary>
/// One denoiser role over its replicas. A session opens on the least-loaded replica; when that replica fails a step
/// (gone, draining, full), the session is opened again on another replica at that step, with the same
/// conditionings, and the step is sent again. A step's prediction depends only on the session's conditionings and
/// the step's own inputs, so the generation goes on as if nothing had happened: its images are byte-identical to an
/// undisturbed run (given replicas that compute alike: same weights, device, dtype and threads).
/// </summary>
public sealed class FailoverDenoiserEndpoint : IDenoiserEndpoint
{
    private readonly ReplicaPool<IDenoiserEndpoint> _pool;

    /// <summary>Serves sessions from <paramref name="pool"/>.</summary>
    public FailoverDenoiserEndpoint(ReplicaPool<IDenoiserEndpoint> pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        _pool = pool;
    }

    /// <summary>The role's replicas.</summary>
    public ReplicaPool<IDenoiserEndpoint> Pool => _pool;

    /// <summary>Raised when a session moved to another replica mid-generation.</summary>
    public event Action<SessionFailover>? SessionMoved;

    /// <inheritdoc />
    public async Task<IDenoiserSession> OpenSessionAsync(DenoiserSessionSetup setup, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var (session, lease) = await _pool.AcquireAsync((replica, ct) => replica.OpenSessionAsync(setup, ct), exclude: null, cancellationToken);
        return new Session(this, setup, session, lease);
    }

    private sealed class Session(FailoverDenoiserEndpoint owner, DenoiserSessionSetup setup, IDenoiserSession inner, ReplicaLease<IDenoiserEndpoint> lease)
        : IDenoiserSession
    {
        private IDenoiserSession _inner = inner;
        private ReplicaLease<IDenoiserEndpoint> _lease = lease;

        public async Task<IReadOnlyList<HostTensor>> PredictAsync(
            int stepIndex, float timestep, HostTensor latent, IReadOnlyList<int> conditioningIndices, CancellationToken cancellationToken)
        {
            var pool = owner._pool;
            for (int moves = 0; ; moves++)
            {
                try
                {
                    return await _inner.PredictAsync(stepIndex, timestep, latent, conditioningIndices, cancellationToken);
                }
                catch (Exception ex) when (moves < pool.Policy.MaxAttempts && pool.Classify(ex, cancellationToken) is var failure and not ReplicaFailure.None)
                {
                    var lost = _lease.Replica;
                    pool.Report(lost, failure, ex);
                    await CloseQuietlyAsync(_inner);
                    _lease.Dispose();

                    // The state at this step boundary lives here (the latent of step k and the session's conditionings):
                    // a session opened at step k on another replica continues the trajectory exactly.
                    var resumed = setup with { FirstStepIndex = stepIndex };
                    (_inner, _lease) = await pool.AcquireAsync((replica, ct) => replica.OpenSessionAsync(resumed, ct), exclude: lost, cancellationToken);
                    owner.SessionMoved?.Invoke(new SessionFailover(pool.Role, setup.SessionId, stepIndex, lost.Address, _lease.Replica.Address, failure));
                    // On the step's denoise span (the current activity of this call), so a trace shows where it moved.
                    Activity.Current?.AddEvent(new ActivityEvent("session moved", tags: new ActivityTagsCollection
                    {
                        ["chats.replica.from"] = lost.Address,
                        ["chats.replica.to"] = _lease.Replica.Address,
                        ["chats.replica.failure"] = failure.ToString(),
                    }));
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await CloseQuietlyAsync(_inner);
            _lease.Dispose();
        }

        // A session on a replica that failed cannot be closed cleanly; what matters is that its resources go.
        private static async ValueTask CloseQuietlyAsync(IDenoiserSession session)
        {
            try
            {
                await session.DisposeAsync();
            }
            catch (Exception)
            {
                // The replica is gone or broken; the failure was already reported.
            }
        }
    }
}
