namespace Chats.Core.Replicas;

/// <summary>
/// The replicas of one role and the rule that spreads calls over them: each call or session goes to the replica
/// with the fewest outstanding calls and sessions among those not resting after a failure; a call that fails for the
/// replica's sake (<see cref="ReplicaFailure"/>) is tried on another, within <see cref="ReplicaRetryPolicy"/>.
/// </summary>
/// <typeparam name="T">The client type; the pool does not own the clients (see <see cref="SetReplicas"/>).</typeparam>
public sealed class ReplicaPool<T>
    where T : class
{
    private readonly Func<Exception, CancellationToken, ReplicaFailure> _classify;
    private readonly TimeProvider _time;
    private readonly Func<Exception, string>? _describe;
    private Replica<T>[] _replicas = [];
    private int _rotation;

    /// <summary>Creates an empty pool for <paramref name="role"/>.</summary>
    /// <param name="role">The role's name in errors and metrics (e.g. <c>preferred</c>).</param>
    /// <param name="policy">Attempts, backoff and cooldown.</param>
    /// <param name="classify">
    /// What an exception from a call says about its replica, given the caller's token: transport-specific (the sampler
    /// reads gRPC statuses), so the pool itself knows nothing of gRPC.
    /// </param>
    /// <param name="time">The clock (tests); null for the system clock.</param>
    /// <param name="describe">Words an error in the final exception's message; null for its Message.</param>
    public ReplicaPool(
        string role, ReplicaRetryPolicy policy, Func<Exception, CancellationToken, ReplicaFailure> classify, TimeProvider? time = null, Func<Exception, string>? describe = null)
    {
        _describe = describe;
        ArgumentException.ThrowIfNullOrEmpty(role);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(classify);
        policy.Validate();
        Role = role;
        Policy = policy;
        _classify = classify;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The role's name.</summary>
    public string Role { get; }

    /// <summary>The retry policy.</summary>
    public ReplicaRetryPolicy Policy { get; }

    /// <summary>The replicas now.</summary>
    public IReadOnlyList<Replica<T>> Replicas => Volatile.Read(ref _replicas);

    /// <summary>Raised for every failed attempt, before the next one.</summary>
    public event Action<ReplicaAttemptFailed>? AttemptFailed;

    /// <summary>
    /// Replaces the membership: replicas whose address is kept keep their client and load; new addresses get a client
    /// from <paramref name="create"/>. Returns the replicas that left, whose clients the caller may release once their
    /// outstanding calls end.
    /// </summary>
    public IReadOnlyList<Replica<T>> SetReplicas(IEnumerable<string> addresses, Func<string, T> create)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        ArgumentNullException.ThrowIfNull(create);
        lock (_classify)
        {
            var current = _replicas.ToDictionary(r => r.Address, StringComparer.Ordinal);
            var next = addresses.Distinct(StringComparer.Ordinal)
                .Select(a => current.Remove(a, out var kept) ? kept : new Replica<T>(a, create(a)))
                .ToArray();
            Volatile.Write(ref _replicas, next);
            return [.. current.Values];
        }
    }

    /// <summary>Runs one call on a replica, trying others as the policy allows.</summary>
    public async Task<TResult> ExecuteAsync<TResult>(Func<T, CancellationToken, Task<TResult>> call, CancellationToken cancellationToken)
    {
        var (result, lease) = await AcquireAsync(call, exclude: null, cancellationToken);
        lease.Dispose();
        return result;
    }

    /// <summary>
    /// Opens something held on one replica (a session): like <see cref="ExecuteAsync{TResult}"/>, but the returned lease
    /// keeps counting in the replica's load until the caller disposes it.
    /// </summary>
    /// <param name="open">The call that opens it.</param>
    /// <param name="exclude">A replica to try only after every other (the one a session just lost), or null.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    public async Task<(TResult Result, ReplicaLease<T> Lease)> AcquireAsync<TResult>(
        Func<T, CancellationToken, Task<TResult>> open, Replica<T>? exclude, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(open);
        var tried = new HashSet<Replica<T>>();
        if (exclude is not null)
        {
            tried.Add(exclude);
        }

        Exception? last = null;
        bool allBusy = true;
        int rounds = 0;
        for (int attempt = 0; attempt < Policy.MaxAttempts; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var replica = Pick(tried);
            if (replica is null)
            {
                // Every replica was tried (or none is known): wait, then go round again.
                if (attempt > 0 || exclude is not null)
                {
                    await Task.Delay(Policy.BackoffAfter(rounds++), _time, cancellationToken);
                }

                tried.Clear();
                replica = Pick(tried);
                if (replica is null)
                {
                    allBusy = false;
                    continue;
                }
            }

            tried.Add(replica);
            var lease = new ReplicaLease<T>(replica);
            try
            {
                var result = await open(replica.Client, cancellationToken);
                replica.Succeeded();
                return (result, lease);
            }
            catch (Exception ex) when (Classify(ex, cancellationToken) is var failure and not ReplicaFailure.None)
            {
                lease.Dispose();
                Report(replica, failure, ex);
                allBusy &= failure == ReplicaFailure.Busy;
                last = ex;
            }
            catch
            {
                lease.Dispose();
                throw;
            }
        }

        throw new ReplicaUnavailableException(Role, Policy.MaxAttempts, Replicas.Count, allBusy && last is not null, last, _describe);
    }

    /// <summary>Records a failure seen outside the pool's own calls (a session's step), resting the replica if it is gone.</summary>
    public ReplicaFailure Classify(Exception error, CancellationToken cancellationToken) => _classify(error, cancellationToken);

    /// <summary>Records that <paramref name="replica"/> failed a call in the given way (rests it when it is unavailable).</summary>
    public void Report(Replica<T> replica, ReplicaFailure failure, Exception error)
    {
        ArgumentNullException.ThrowIfNull(replica);
        if (failure == ReplicaFailure.Unavailable)
        {
            replica.Failed(_time.GetTimestamp(), Policy.Cooldown, _time);
        }

        AttemptFailed?.Invoke(new ReplicaAttemptFailed(Role, replica.Address, failure, error));
    }

    // Least outstanding among the untried, resting ones only when nothing else is left (soonest back first); ties
    // rotate so that equal replicas share new work.
    private Replica<T>? Pick(HashSet<Replica<T>> tried)
    {
        var replicas = Volatile.Read(ref _replicas);
        if (replicas.Length == 0)
        {
            return null;
        }

        long now = _time.GetTimestamp();
        int start = (int)((uint)Interlocked.Increment(ref _rotation) % (uint)replicas.Length);
        Replica<T>? best = null;
        bool bestResting = true;
        for (int k = 0; k < replicas.Length; k++)
        {
            var r = replicas[(start + k) % replicas.Length];
            if (tried.Contains(r))
            {
                continue;
            }

            bool resting = r.IsResting(now);
            if (best is null
                || (bestResting && !resting)
                || (bestResting == resting && (resting ? r.RestUntil < best.RestUntil : r.Outstanding < best.Outstanding)))
            {
                best = r;
                bestResting = resting;
            }
        }

        return best;
    }
}
