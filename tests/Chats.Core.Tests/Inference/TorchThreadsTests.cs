using Chats.Inference.Engine;
using TorchSharp;

namespace Chats.Core.Tests.Inference;

[Collection("TorchSharp")]
public sealed class TorchThreadsTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void Resolve_ZeroIsTheCoresThisProcessMayUse_PositiveIsItself()
    {
        Assert.Equal(Environment.ProcessorCount, TorchThreads.Resolve(0));
        Assert.Equal(3, TorchThreads.Resolve(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => TorchThreads.Resolve(-1));
    }

    [Theory]
    [InlineData(2, 2, 1)]
    [InlineData(2, 16, 8)]
    [InlineData(3, 16, 5)]
    [InlineData(4, 2, 1)]
    [InlineData(1, 8, 8)]
    public void Share_SplitsTheCoresEvenly_AtLeastOneEach(int roles, int cores, int expected)
        => Assert.Equal(expected, TorchThreads.Share(roles, cores));

    [Fact]
    public void ForDenoiser_SplitsTheCoresBetweenThetaPlusAndMinus_StandardKeepsThemAll()
    {
        Assert.Equal(4, TorchThreads.ForDenoiser(Core.Sampling.DenoiserRole.Preferred, 8));
        Assert.Equal(4, TorchThreads.ForDenoiser(Core.Sampling.DenoiserRole.Dispreferred, 8));
        Assert.Equal(8, TorchThreads.ForDenoiser(Core.Sampling.DenoiserRole.Standard, 8));
        Assert.Equal(1, TorchThreads.ForDenoiser(Core.Sampling.DenoiserRole.Preferred, 1));
    }

    [Fact]
    public async Task EachWorkerThread_KeepsItsOwnCount_WhateverAnotherWorkerSets()
    {
        var ct = TestContext.Current.CancellationToken;
        int processWide = OnAFreshThread(torch.get_num_threads);
        using var one = new InferenceWorker("threads-one", threads: 1);
        using var three = new InferenceWorker("threads-three", threads: 3);

        // Ask in both orders: the count is the calling thread's, not the last one set in the process.
        int a = await one.RunAsync(torch.get_num_threads, ct).WaitAsync(s_timeout, ct);
        int b = await three.RunAsync(torch.get_num_threads, ct).WaitAsync(s_timeout, ct);
        int c = await one.RunAsync(torch.get_num_threads, ct).WaitAsync(s_timeout, ct);

        Assert.Equal(1, a);
        Assert.Equal(3, b);
        Assert.Equal(1, c);

        // Threads that initialise later (a test's own thread, another role) still get the process-wide count.
        Assert.Equal(processWide, OnAFreshThread(torch.get_num_threads));
    }

    private static int OnAFreshThread(Func<int> read)
    {
        int value = 0;
        var thread = new Thread(() => value = read());
        thread.Start();
        thread.Join();
        return value;
    }
}
