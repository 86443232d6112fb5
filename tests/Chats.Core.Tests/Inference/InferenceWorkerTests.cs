using Chats.Inference.Roles;
using Chats.Inference.Engine;
using Chats.Inference.Local;
using TorchSharp;

namespace Chats.Core.Tests.Inference;

[Collection("TorchSharp")]
public sealed class InferenceWorkerTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RunAsync_ReturnsTheWorksResult()
    {
        using var worker = new InferenceWorker("test-result");

        int result = await worker.RunAsync(() => 6 * 7, TestContext.Current.CancellationToken).WaitAsync(s_timeout, TestContext.Current.CancellationToken);

        Assert.Equal(42, result);
    }

    [Fact]
    public async Task RunAsync_WorkThrows_FaultsWithThatException()
    {
        using var worker = new InferenceWorker("test-fault");
        var thrown = new InvalidOperationException("boom");

        Task<int> task = worker.RunAsync<int>(() => throw thrown, TestContext.Current.CancellationToken);

        var caught = await Assert.ThrowsAsync<InvalidOperationException>(() => task.WaitAsync(s_timeout, TestContext.Current.CancellationToken));
        Assert.Same(thrown, caught);
        Assert.True(task.IsFaulted);

        // The worker survives a failed item.
        Assert.Equal(1, await worker.RunAsync(() => 1, TestContext.Current.CancellationToken).WaitAsync(s_timeout, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task RunAsync_TokenCancelledBeforeExecution_CancelsWithoutRunning()
    {
        using var worker = new InferenceWorker("test-cancel");
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        bool ran = false;

        Task<int> task = worker.RunAsync(() => { ran = true; return 1; }, cts.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task.WaitAsync(s_timeout, TestContext.Current.CancellationToken));
        Assert.True(task.IsCanceled);
        Assert.False(ran);
    }

    [Fact]
    public async Task RunAsync_RunsOnTheWorkersOwnNamedThread()
    {
        using var worker = new InferenceWorker("chats-test-worker");
        int callerThread = Environment.CurrentManagedThreadId;

        (string? Name, int Id) first = await worker.RunAsync(() => (Thread.CurrentThread.Name, Environment.CurrentManagedThreadId), TestContext.Current.CancellationToken)
            .WaitAsync(s_timeout, TestContext.Current.CancellationToken);
        (string? Name, int Id) second = await worker.RunAsync(() => (Thread.CurrentThread.Name, Environment.CurrentManagedThreadId), TestContext.Current.CancellationToken)
            .WaitAsync(s_timeout, TestContext.Current.CancellationToken);

        Assert.Equal("chats-test-worker", first.Name);
        Assert.NotEqual(callerThread, first.Id);
        Assert.Equal(first.Id, second.Id);
    }

    [Fact]
    public async Task RunAsync_WorkRunsInInferenceMode()
    {
        using var worker = new InferenceWorker("test-inference-mode");

        (bool Inference, bool Grad) state = await worker.RunAsync(() => (torch.is_inference_mode_enabled(), torch.is_grad_enabled()), TestContext.Current.CancellationToken)
            .WaitAsync(s_timeout, TestContext.Current.CancellationToken);

        Assert.True(state.Inference);
        Assert.False(state.Grad);
    }
}
