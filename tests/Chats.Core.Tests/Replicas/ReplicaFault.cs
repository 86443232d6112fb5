namespace Chats.Core.Tests.Replicas;

/// <summary>What a fake replica's call throws, classified by the test's rule like the sampler classifies gRPC statuses.</summary>
internal sealed class ReplicaFault(Core.Replicas.ReplicaFailure failure) : Exception($"replica fault: {failure}")
{
    public Core.Replicas.ReplicaFailure Failure { get; } = failure;

    public static Core.Replicas.ReplicaFailure Classify(Exception error, CancellationToken caller)
        => !caller.IsCancellationRequested && error is ReplicaFault fault ? fault.Failure : Core.Replicas.ReplicaFailure.None;
}
