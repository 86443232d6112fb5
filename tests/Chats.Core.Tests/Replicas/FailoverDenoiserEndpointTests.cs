using Chats.Core.Replicas;
using Chats.Core.Sampling;
using Chats.Core.Tensors;

namespace Chats.Core.Tests.Replicas;

public sealed class FailoverDenoiserEndpointTests
{
    private static readonly ReplicaRetryPolicy s_fast = new() { MaxAttempts = 3, InitialBackoff = TimeSpan.FromMilliseconds(1), MaxBackoff = TimeSpan.FromMilliseconds(2) };

    private static readonly DenoiserSessionSetup s_setup = new(
        "gen/preferred",
        [new PromptConditioning(new HostTensor([0.25f, 1f], [1, 1, 2]), null), new PromptConditioning(new HostTensor([-3f, 0f], [1, 1, 2]), null)],
        FirstStepIndex: 0);

    private static (FailoverDenoiserEndpoint Endpoint, ScriptedDenoiser A, ScriptedDenoiser B) Replicas()
    {
        var a = new ScriptedDenoiser("a");
        var b = new ScriptedDenoiser("b");
        var pool = new ReplicaPool<IDenoiserEndpoint>("preferred", s_fast, ReplicaFault.Classify);
        pool.SetReplicas(["a", "b"], name => name == "a" ? a : b);
        return (new FailoverDenoiserEndpoint(pool), a, b);
    }

    private static async Task<List<float[]>> RunAsync(FailoverDenoiserEndpoint endpoint, int steps)
    {
        var ct = TestContext.Current.CancellationToken;
        var outputs = new List<float[]>();
        await using var session = await endpoint.OpenSessionAsync(s_setup, ct);
        var latent = new HostTensor([1f, 2f, 3f, 4f], [1, 1, 2, 2]);
        for (int i = 0; i < steps; i++)
        {
            var predictions = await session.PredictAsync(i, 900 - (i * 100), latent, [0, 1], ct);
            outputs.AddRange(predictions.Select(p => p.Data));
            latent = new HostTensor(latent.Data.Zip(predictions[0].Data, (x, e) => (x * 0.5f) - (e * 0.01f)).ToArray(), latent.Shape);
        }

        return outputs;
    }

    [Fact]
    public async Task AReplicaLostMidGeneration_MovesTheSessionAtThatStep_AndThePredictionsAreUnchanged()
    {
        var (undisturbed, _, _) = Replicas();
        var expected = await RunAsync(undisturbed, 6);

        var (endpoint, a, b) = Replicas();
        (a.FailAtStep, b.FailAtStep, a.Peer, b.Peer) = (3, 3, b, a);
        var moves = new List<SessionFailover>();
        endpoint.SessionMoved += moves.Add;
        var actual = await RunAsync(endpoint, 6);

        Assert.Equal(expected, actual);
        var move = Assert.Single(moves);
        Assert.Equal((3, "preferred", "gen/preferred", ReplicaFailure.Unavailable), (move.StepIndex, move.Role, move.SessionId, move.Failure));
        var (lost, took) = move.From == "a" ? (a, b) : (b, a);
        Assert.Equal([0, 1, 2], lost.Steps);
        Assert.Equal([3, 4, 5], took.Steps);
        // Opened again with the same conditionings, at the failed step.
        var reopened = Assert.Single(took.Opened);
        Assert.Equal(3, reopened.FirstStepIndex);
        Assert.Same(s_setup.Conditionings, reopened.Conditionings);
    }

    [Fact]
    public async Task AFullReplicaAtOpen_IsPassedOver()
    {
        var (endpoint, a, b) = Replicas();
        a.FailOpen = ReplicaFailure.Busy;
        b.FailOpen = null;

        var outputs = await RunAsync(endpoint, 2);

        Assert.Equal(4, outputs.Count);
        Assert.Empty(a.Opened);
        Assert.Equal([0, 1], b.Steps);
    }

    [Fact]
    public async Task EveryReplicaGone_EndsWithReplicaUnavailable()
    {
        var (endpoint, a, b) = Replicas();
        var ct = TestContext.Current.CancellationToken;
        await using var session = await endpoint.OpenSessionAsync(s_setup, ct);
        a.FailOpen = b.FailOpen = ReplicaFailure.Unavailable;
        a.FailAtStep = b.FailAtStep = 0;

        var e = await Assert.ThrowsAsync<ReplicaUnavailableException>(() => session.PredictAsync(0, 1f, new HostTensor([1f], [1, 1, 1, 1]), [0], ct));

        Assert.Equal("preferred", e.Role);
    }

    [Fact]
    public async Task TheCallersCancellation_IsNotAFailover()
    {
        var (endpoint, a, b) = Replicas();
        using var cancelled = new CancellationTokenSource();
        await using var session = await endpoint.OpenSessionAsync(s_setup, TestContext.Current.CancellationToken);
        a.FailAtStep = b.FailAtStep = 0;
        var moves = 0;
        endpoint.SessionMoved += _ => moves++;
        await cancelled.CancelAsync();

        await Assert.ThrowsAsync<ReplicaFault>(() => session.PredictAsync(0, 1f, new HostTensor([1f], [1, 1, 1, 1]), [0], cancelled.Token));
        Assert.Equal(0, moves);
    }
}
