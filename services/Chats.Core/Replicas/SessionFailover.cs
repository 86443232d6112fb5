namespace Chats.Core.Replicas;

/// <summary>A denoiser session that moved to another replica of its role mid-generation.</summary>
/// <param name="Role">The role.</param>
/// <param name="SessionId">The session.</param>
/// <param name="StepIndex">The step it was re-opened at.</param>
/// <param name="From">The replica that failed.</param>
/// <param name="To">The replica that took over.</param>
/// <param name="Failure">How the first one failed.</param>
public sealed record SessionFailover(string Role, string SessionId, int StepIndex, string From, string To, ReplicaFailure Failure);
