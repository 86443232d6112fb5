namespace Chats.Core.Replicas;

/// <summary>What a failed call says about the replica that answered it.</summary>
public enum ReplicaFailure
{
    /// <summary>Not the replica's fault (bad input, the caller cancelled): the error goes to the caller unchanged.</summary>
    None,

    /// <summary>The replica is full (RESOURCE_EXHAUSTED): try another now, but it stays healthy.</summary>
    Busy,

    /// <summary>The replica is gone, draining or broken (connection lost, UNAVAILABLE): try another, and rest this one.</summary>
    Unavailable,
}
