namespace Chats.Core.Replicas;

/// <summary>A call's or a session's hold on one replica; counted in its load until disposed.</summary>
/// <typeparam name="T">The client type.</typeparam>
public sealed class ReplicaLease<T> : IDisposable
    where T : class
{
    private int _released;

    internal ReplicaLease(Replica<T> replica)
    {
        Replica = replica;
        replica.Lease();
    }

    /// <summary>The replica held.</summary>
    public Replica<T> Replica { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            Replica.Release();
        }
    }
}
