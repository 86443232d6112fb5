using Chats.Core.Replicas;

namespace Chats.Core.Tests.Replicas;

public sealed class ReplicaPoolTests
{
    private static readonly ReplicaRetryPolicy s_fast = new() { MaxAttempts = 4, InitialBackoff = TimeSpan.FromMilliseconds(1), MaxBackoff = TimeSpan.FromMilliseconds(4), Cooldown = TimeSpan.FromSeconds(2) };

    private static ReplicaPool<string> Pool(ManualClock clock, params string[] addresses)
    {
        var pool = new ReplicaPool<string>("preferred", s_fast, ReplicaFault.Classify, clock);
        pool.SetReplicas(addresses, a => a);
        return pool;
    }

    [Fact]
    public async Task Sessions_GoToTheReplicaWithFewestOutstanding()
    {
        var pool = Pool(new ManualClock(), "a", "b", "c");
        var ct = TestContext.Current.CancellationToken;
        var held = new List<ReplicaLease<string>>();
        for (int i = 0; i < 3; i++)
        {
            held.Add((await pool.AcquireAsync((r, _) => Task.FromResult(r), null, ct)).Lease);
        }

        Assert.Equal(["a", "b", "c"], held.Select(l => l.Replica.Address).Order());
        var freed = held.Single(l => l.Replica.Address == "b");
        freed.Dispose();

        var next = await pool.AcquireAsync((r, _) => Task.FromResult(r), null, ct);
        Assert.Equal("b", next.Result);
        Assert.Equal([1, 1, 1], pool.Replicas.Select(r => r.Outstanding));
    }

    [Fact]
    public async Task Busy_IsTriedOnAnother_AndStaysPreferable()
    {
        var clock = new ManualClock();
        var pool = Pool(clock, "a", "b");
        var calls = new List<string>();
        var result = await pool.ExecuteAsync((r, _) =>
        {
            calls.Add(r);
            return calls.Count == 1 ? throw new ReplicaFault(ReplicaFailure.Busy) : Task.FromResult(r);
        }, TestContext.Current.CancellationToken);

        Assert.Equal(2, calls.Distinct().Count());
        Assert.Equal(calls[1], result);
        Assert.All(pool.Replicas, r => Assert.Equal(0, r.Outstanding));
        // Busy is not broken: no rest period, so both are still candidates.
        Assert.All(pool.Replicas, r => Assert.Equal(0, r.ConsecutiveFailures));
    }

    [Fact]
    public async Task EveryReplicaBusy_IsReportedAsAllBusy_NamingTheRole()
    {
        var pool = Pool(new ManualClock(), "a", "b");
        var e = await Assert.ThrowsAsync<ReplicaUnavailableException>(() => pool.ExecuteAsync<string>(
            (_, _) => throw new ReplicaFault(ReplicaFailure.Busy), TestContext.Current.CancellationToken));

        Assert.True(e.AllBusy);
        Assert.Equal("preferred", e.Role);
        Assert.Contains("every preferred replica is at capacity", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unavailable_RestsTheReplica_UntilItsCooldownPasses()
    {
        var clock = new ManualClock();
        var pool = Pool(clock, "a", "b");
        var ct = TestContext.Current.CancellationToken;
        string? failed = null;
        await pool.ExecuteAsync((r, _) =>
        {
            if (failed is null)
            {
                failed = r;
                throw new ReplicaFault(ReplicaFailure.Unavailable);
            }

            return Task.FromResult(r);
        }, ct);

        // While it rests, every new call goes to the other replica, even with the other one loaded.
        using var load = (await pool.AcquireAsync((r, _) => Task.FromResult(r), null, ct)).Lease;
        Assert.NotEqual(failed, load.Replica.Address);
        Assert.NotEqual(failed, await pool.ExecuteAsync((r, _) => Task.FromResult(r), ct));

        clock.Advance(s_fast.Cooldown + TimeSpan.FromMilliseconds(1));
        Assert.Equal(failed, await pool.ExecuteAsync((r, _) => Task.FromResult(r), ct));
    }

    [Fact]
    public async Task NotTheReplicasFault_IsNotRetried()
    {
        var pool = Pool(new ManualClock(), "a", "b");
        int calls = 0;
        await Assert.ThrowsAsync<ArgumentException>(() => pool.ExecuteAsync<string>((_, _) =>
        {
            calls++;
            throw new ArgumentException("width: bad");
        }, TestContext.Current.CancellationToken));

        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task ASingleReplica_ThatComesBack_IsRetriedAfterBackoff()
    {
        var pool = Pool(new ManualClock(), "only");
        int calls = 0;
        string result = await pool.ExecuteAsync((r, _) => ++calls < 3 ? throw new ReplicaFault(ReplicaFailure.Unavailable) : Task.FromResult(r), TestContext.Current.CancellationToken);

        Assert.Equal(("only", 3), (result, calls));
    }

    [Fact]
    public async Task NoReplicaLeft_AfterTheAttempts_IsUnavailable_WithTheLastError()
    {
        var pool = Pool(new ManualClock(), "a", "b");
        int calls = 0;
        var e = await Assert.ThrowsAsync<ReplicaUnavailableException>(() => pool.ExecuteAsync<string>((_, _) =>
        {
            calls++;
            throw new ReplicaFault(ReplicaFailure.Unavailable);
        }, TestContext.Current.CancellationToken));

        Assert.Equal(s_fast.MaxAttempts, calls);
        Assert.False(e.AllBusy);
        Assert.Contains("no preferred replica could take the call (4 attempts over 2 replicas); last error: replica fault: Unavailable", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SetReplicas_KeepsTheReplicasThatStay_AndReturnsThoseThatLeft()
    {
        var pool = Pool(new ManualClock(), "a", "b");
        var a = pool.Replicas.Single(r => r.Address == "a");
        int created = 0;

        var left = pool.SetReplicas(["a", "c"], x => { created++; return x; });

        Assert.Same(a, pool.Replicas.Single(r => r.Address == "a"));
        Assert.Equal(["a", "c"], pool.Replicas.Select(r => r.Address));
        Assert.Equal(["b"], left.Select(r => r.Address));
        Assert.Equal(1, created);
    }

    [Fact]
    public void Policy_OutOfRange_IsRefusedAtConstruction()
        => Assert.Throws<ArgumentOutOfRangeException>(() => new ReplicaPool<string>("x", new ReplicaRetryPolicy { MaxAttempts = 0 }, ReplicaFault.Classify));
}
