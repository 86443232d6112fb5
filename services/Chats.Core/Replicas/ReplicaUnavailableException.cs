namespace Chats.Core.Replicas;

/// <summary>
/// No replica of a role could take a call within the retry policy. Services answer UNAVAILABLE (retry later), or
/// RESOURCE_EXHAUSTED when every replica said it was full.
/// </summary>
public sealed class ReplicaUnavailableException : Exception
{
    /// <summary>Creates the exception for <paramref name="role"/> after <paramref name="attempts"/> attempts; <paramref name="describe"/> words the last error.</summary>
    public ReplicaUnavailableException(string role, int attempts, int replicas, bool allBusy, Exception? last, Func<Exception, string>? describe = null)
        : base(Describe(role, attempts, replicas, allBusy, last, describe ?? (e => e.Message)), last)
    {
        Role = role;
        Attempts = attempts;
        AllBusy = allBusy;
    }

    /// <summary>The role no replica of which answered (e.g. <c>preferred</c>).</summary>
    public string Role { get; }

    /// <summary>Attempts made.</summary>
    public int Attempts { get; }

    /// <summary>True when every attempt was refused as over capacity.</summary>
    public bool AllBusy { get; }

    private static string Describe(string role, int attempts, int replicas, bool allBusy, Exception? last, Func<Exception, string> describe)
    {
        string tried = $"{attempts} attempt{(attempts == 1 ? "" : "s")} over {replicas} replica{(replicas == 1 ? "" : "s")}";
        if (replicas == 0)
        {
            return $"no {role} replica is known (none resolved); retry later";
        }

        return allBusy
            ? $"every {role} replica is at capacity ({tried}); {Sampling.RetryDelay.Phrase(Sampling.RetryDelay.Generation)}"
            : $"no {role} replica could take the call ({tried}); last error: {(last is null ? "none" : describe(last))}; retry later";
    }
}
