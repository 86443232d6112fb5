namespace Chats.TextEncoder.Caching;

/// <summary>
/// Consecutive-failure circuit breaker in front of Redis. Closed: every call goes through. After
/// <c>failures</c> failures in a row it opens: calls are refused (the cache misses at once) for <c>cooldown</c>.
/// Then one call is let through as a probe (half-open): its success closes the breaker, its failure opens it
/// for another cool-down. Without it, a Redis that is down or hung costs every lookup and store its full
/// timeout, a few seconds per generation.
/// </summary>
internal sealed class RedisCircuitBreaker
{
    private readonly int _failuresToOpen;
    private readonly TimeSpan _cooldown;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private int _consecutiveFailures;
    private DateTimeOffset _openUntil;
    private bool _open;
    private bool _probeInFlight;

    /// <param name="failuresToOpen">Consecutive failures that open the breaker; 0 disables it (always closed).</param>
    /// <param name="cooldown">How long an open breaker refuses calls before it lets one probe through.</param>
    /// <param name="time">The clock (a fake one in tests).</param>
    public RedisCircuitBreaker(int failuresToOpen, TimeSpan cooldown, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(failuresToOpen);
        _failuresToOpen = failuresToOpen;
        _cooldown = cooldown;
        _time = time;
    }

    /// <summary>Raised (outside the lock) with true when the breaker opens and false when a probe closes it.</summary>
    public event Action<bool>? StateChanged;

    /// <summary>Whether calls are being refused or probed now (open or half-open).</summary>
    public bool IsOpen
    {
        get
        {
            lock (_lock)
            {
                return _open;
            }
        }
    }

    /// <summary>
    /// Whether a call may go to Redis now. While open, false until the cool-down ends; then true for exactly one
    /// caller (the probe) and false for the rest until that probe reports its outcome.
    /// </summary>
    public bool TryAcquire()
    {
        if (_failuresToOpen == 0)
        {
            return true;
        }

        lock (_lock)
        {
            if (!_open)
            {
                return true;
            }

            if (_probeInFlight || _time.GetUtcNow() < _openUntil)
            {
                return false;
            }

            _probeInFlight = true;
            return true;
        }
    }

    /// <summary>Reports a call that Redis answered.</summary>
    public void RecordSuccess()
    {
        bool closed;
        lock (_lock)
        {
            _consecutiveFailures = 0;
            closed = _open;
            _open = false;
            _probeInFlight = false;
        }

        if (closed)
        {
            StateChanged?.Invoke(false);
        }
    }

    /// <summary>
    /// Reports a call that ended with no outcome (cancelled by its caller, or never sent): a probe's turn passes to
    /// the next caller, and nothing else changes.
    /// </summary>
    public void RecordAbandoned()
    {
        lock (_lock)
        {
            _probeInFlight = false;
        }
    }

    /// <summary>Reports a call that failed or timed out.</summary>
    public void RecordFailure()
    {
        if (_failuresToOpen == 0)
        {
            return;
        }

        bool opened;
        lock (_lock)
        {
            _consecutiveFailures++;
            // A failed probe re-opens at once; a call that was already in flight when the breaker opened only
            // pushes the cool-down out, so the probe is not starved by stragglers.
            opened = !_open && _consecutiveFailures >= _failuresToOpen;
            if (opened || _probeInFlight || _open)
            {
                _open = true;
                _probeInFlight = false;
                _openUntil = _time.GetUtcNow() + _cooldown;
            }
        }

        if (opened)
        {
            StateChanged?.Invoke(true);
        }
    }
}
