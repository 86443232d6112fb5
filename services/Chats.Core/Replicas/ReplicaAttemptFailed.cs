namespace Chats.Core.Replicas;

/// <summary>One failed attempt on one replica (for metrics and logs).</summary>
/// <param name="Role">The role.</param>
/// <param name="Address">The replica that failed.</param>
/// <param name="Failure">How it failed.</param>
/// <param name="Error">What it threw.</param>
public sealed record ReplicaAttemptFailed(string Role, string Address, ReplicaFailure Failure, Exception Error);
