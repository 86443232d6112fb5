using Chats.TextEncoder.Caching;

namespace Chats.IntegrationTests.Caching;

public sealed class RedisCircuitBreakerTests
{
    private static readonly TimeSpan s_cooldown = TimeSpan.FromSeconds(30);
    private readonly ManualTimeProvider _time = new();

    private RedisCircuitBreaker Breaker(int failures = 3) => new(failures, s_cooldown, _time);

    [Fact]
    public void ConsecutiveFailures_OpenTheBreaker_AndASuccessInBetweenStartsTheCountAgain()
    {
        var breaker = Breaker();
        var changes = new List<bool>();
        breaker.StateChanged += changes.Add;

        breaker.RecordFailure();
        breaker.RecordFailure();
        breaker.RecordSuccess();
        breaker.RecordFailure();
        breaker.RecordFailure();
        Assert.True(breaker.TryAcquire());
        Assert.False(breaker.IsOpen);

        breaker.RecordFailure();
        Assert.True(breaker.IsOpen);
        Assert.False(breaker.TryAcquire());
        Assert.Equal([true], changes);
    }

    [Fact]
    public void OpenBreaker_RefusesUntilTheCooldown_ThenLetsExactlyOneProbeThrough()
    {
        var breaker = Breaker(failures: 1);
        breaker.RecordFailure();

        _time.Advance(s_cooldown - TimeSpan.FromMilliseconds(1));
        Assert.False(breaker.TryAcquire());
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(breaker.TryAcquire());
        Assert.False(breaker.TryAcquire());
        Assert.True(breaker.IsOpen);
    }

    [Fact]
    public void SuccessfulProbe_ClosesTheBreaker()
    {
        var breaker = Breaker(failures: 1);
        var changes = new List<bool>();
        breaker.StateChanged += changes.Add;
        breaker.RecordFailure();
        _time.Advance(s_cooldown);

        Assert.True(breaker.TryAcquire());
        breaker.RecordSuccess();

        Assert.False(breaker.IsOpen);
        Assert.True(breaker.TryAcquire());
        Assert.True(breaker.TryAcquire());
        Assert.Equal([true, false], changes);
    }

    [Fact]
    public void FailedProbe_OpensTheBreakerForAnotherCooldown()
    {
        var breaker = Breaker(failures: 1);
        breaker.RecordFailure();
        _time.Advance(s_cooldown);
        Assert.True(breaker.TryAcquire());

        _time.Advance(TimeSpan.FromSeconds(5));
        breaker.RecordFailure();

        _time.Advance(s_cooldown - TimeSpan.FromMilliseconds(1));
        Assert.False(breaker.TryAcquire());
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(breaker.TryAcquire());
    }

    [Fact]
    public void AbandonedProbe_PassesTheTurnToTheNextCaller()
    {
        var breaker = Breaker(failures: 1);
        breaker.RecordFailure();
        _time.Advance(s_cooldown);
        Assert.True(breaker.TryAcquire());
        Assert.False(breaker.TryAcquire());

        breaker.RecordAbandoned();

        Assert.True(breaker.TryAcquire());
        Assert.True(breaker.IsOpen);
    }

    [Fact]
    public void ZeroFailures_DisablesTheBreaker()
    {
        var breaker = Breaker(failures: 0);
        for (int i = 0; i < 100; i++)
        {
            breaker.RecordFailure();
        }

        Assert.False(breaker.IsOpen);
        Assert.True(breaker.TryAcquire());
    }
}
