namespace Chats.Core.Replicas;

/// <summary>One replica of a role: its address, its client, and what the pool knows of its load and health.</summary>
/// <typeparam name="T">The client type (e.g. an <c>IDenoiserEndpoint</c>).</typeparam>
public sealed class Replica<T>
    where T : class
{
    private int _outstanding;
    private int _consecutiveFailures;
    private long _restUntil;

    internal Replica(string address, T client)
    {
        Address = address;
        Client = client;
    }

    /// <summary>Where it is (as configured or resolved).</summary>
    public string Address { get; }

    /// <summary>The client that calls it.</summary>
    public T Client { get; }

    /// <summary>Calls and sessions it holds now for this pool.</summary>
    public int Outstanding => Volatile.Read(ref _outstanding);

    /// <summary>Failures since its last success.</summary>
    public int ConsecutiveFailures => Volatile.Read(ref _consecutiveFailures);

    internal bool IsResting(long now) => now < Volatile.Read(ref _restUntil);

    internal long RestUntil => Volatile.Read(ref _restUntil);

    internal void Lease() => Interlocked.Increment(ref _outstanding);

    internal void Release() => Interlocked.Decrement(ref _outstanding);

    internal void Succeeded() => Volatile.Write(ref _consecutiveFailures, 0);

    internal void Failed(long now, TimeSpan cooldown, TimeProvider time)
    {
        int failures = Interlocked.Increment(ref _consecutiveFailures);
        double factor = Math.Pow(2, Math.Min(failures - 1, 4));
        Volatile.Write(ref _restUntil, now + (long)(cooldown.TotalSeconds * factor * time.TimestampFrequency));
    }
}
