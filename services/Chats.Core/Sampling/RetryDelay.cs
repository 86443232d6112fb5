using System.Globalization;

namespace Chats.Core.Sampling;

/// <summary>
/// When a refused caller should try again, and how a refusal words it: every "at capacity" message ends with
/// <c>retry in 1 s</c> (or <c>retry in 250 ms</c>), and services send the same delay in the <c>retry-after-ms</c>
/// trailer, so people read one and clients parse the other.
/// </summary>
public static class RetryDelay
{
    /// <summary>
    /// The delay for a refused generation or session: a slot frees when one generation ends, and a generation here takes
    /// hundreds of milliseconds to seconds, so a second is near the next free slot without a caller hammering the service.
    /// </summary>
    public static readonly TimeSpan Generation = TimeSpan.FromSeconds(1);

    /// <summary>The delay for a refused step: a full step queue drains in one or a few forward passes (tens of milliseconds).</summary>
    public static readonly TimeSpan Step = TimeSpan.FromMilliseconds(100);

    /// <summary>The words a refusal ends with, e.g. <c>retry in 1 s</c>.</summary>
    public static string Phrase(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return delay >= TimeSpan.FromSeconds(1) && delay.Ticks % TimeSpan.TicksPerSecond == 0
            ? string.Create(CultureInfo.InvariantCulture, $"retry in {(long)delay.TotalSeconds} s")
            : string.Create(CultureInfo.InvariantCulture, $"retry in {(long)Math.Ceiling(delay.TotalMilliseconds)} ms");
    }

    /// <summary>Milliseconds as the <c>retry-after-ms</c> trailer carries them (whole, rounded up).</summary>
    public static string Milliseconds(TimeSpan delay)
        => ((long)Math.Ceiling(delay.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
}
