namespace Chats.Core.Replicas;

/// <summary>
/// How hard a call is tried across the replicas of one role before the caller gets an error.
/// </summary>
/// <remarks>
/// An attempt goes to a replica not yet tried by this call when there is one (no wait); only when every replica has
/// been tried does the next attempt wait, <see cref="InitialBackoff"/> doubling up to <see cref="MaxBackoff"/>, so a
/// single restarting replica gets a moment to come back: the defaults wait 2.5 s in all before giving up, longer than the
/// sampler's channels take between two reconnect attempts (1 s at most), so a replica that is back is found again. A replica that failed with
/// <see cref="ReplicaFailure.Unavailable"/> rests for <see cref="Cooldown"/> (doubling with each further consecutive
/// failure, up to 16×) before new calls prefer it again.
/// </remarks>
public sealed record ReplicaRetryPolicy
{
    /// <summary>Attempts per call (the first included).</summary>
    public int MaxAttempts { get; init; } = 6;

    /// <summary>The wait before retrying once every replica has been tried.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between two attempts.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a replica that failed is avoided by new calls (while another is available).</summary>
    public TimeSpan Cooldown { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The wait after the attempt numbered <paramref name="attempt"/> (0-based) once every replica was tried.</summary>
    public TimeSpan BackoffAfter(int attempt)
    {
        double ms = InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 16));
        return TimeSpan.FromMilliseconds(Math.Min(ms, MaxBackoff.TotalMilliseconds));
    }

    /// <summary>Throws when a value is out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(InitialBackoff, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBackoff, InitialBackoff);
        ArgumentOutOfRangeException.ThrowIfLessThan(Cooldown, TimeSpan.Zero);
    }
}
