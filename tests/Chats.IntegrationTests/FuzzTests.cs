using Chats.Cli.Fuzzing;
using Grpc.Core;

namespace Chats.IntegrationTests;

/// <summary>
/// The fuzz suite against the running system (real gRPC, every service on its own port): 1,000 seeded cases of
/// malformed and valid requests across Generate (sampler and gateway), Denoise, Encode and Decode. The full run of
/// 10,000 or more is <c>chats bench fuzz</c>.
/// </summary>
[Collection(RunningSystem.Name)]
public sealed class FuzzTests(ChatsSystemFixture fixture)
{
    private const int Seed = 20261202;
    private const int Cases = 1000;

    [Fact]
    public async Task Fuzz_EveryCaseGetsADocumentedStatus_TheServicesStayHealthy_MemoryStaysBounded_AndImagesAreUnchanged()
    {
        var ct = TestContext.Current.CancellationToken;
        var system = fixture.System;
        var targets = new FuzzTargets(system.Gateway, system.Services["sampler"].Grpc, system.Services["text-encoder"].Grpc, system.Services["preferred"].Grpc, system.Services["decoder"].Grpc);

        var report = await FuzzRunner.RunAsync(targets, Seed, Cases, concurrency: 4, cancellationToken: ct);

        TestContext.Current.SendDiagnosticMessage(report.Format());
        Assert.True(report.Undocumented.Count == 0, report.Format());
        Assert.Empty(report.UnhealthyServices);
        Assert.True(report.SameImageAfter, "a normal generation after the fuzzing gave different PNG bytes");
        // Bounded: the run's own outcomes are a few hundred kilobytes; a leak of one case's messages (kilobytes to a
        // megabyte each) over 1,000 cases would pass these.
        Assert.InRange(report.ManagedBytesAfter - report.ManagedBytesBefore, long.MinValue, 64L * 1024 * 1024);
        Assert.InRange(report.WorkingSetAfter - report.WorkingSetBefore, long.MinValue, 512L * 1024 * 1024);
        // Not vacuous: every target was hit, and the outcomes span rejections, acceptances and idle deadlines.
        Assert.Equal(Enum.GetValues<FuzzTarget>().Length, report.Outcomes.Select(o => o.Case.Target).Distinct().Count());
        Assert.Contains(StatusCode.InvalidArgument, report.ByStatus.Keys);
        Assert.Contains(StatusCode.OK, report.ByStatus.Keys);
        Assert.Contains(StatusCode.DeadlineExceeded, report.ByStatus.Keys);
        Assert.Contains(StatusCode.ResourceExhausted, report.ByStatus.Keys);
    }

    [Fact]
    public void Generator_IsDeterministicPerSeedAndIndex()
    {
        var shape = new FuzzModelShape(4, 4, 77, 32, 0, 0, 8);
        var a = new FuzzCaseGenerator(Seed, shape);
        var b = new FuzzCaseGenerator(Seed, shape);
        var other = new FuzzCaseGenerator(Seed + 1, shape);

        for (int i = 0; i < 200; i++)
        {
            var x = a.Create(i);
            var y = b.Create(i);
            Assert.Equal((x.Target, x.Mutation), (y.Target, y.Mutation));
            Assert.Equal(x.Messages.Count, y.Messages.Count);
            Assert.All(x.Messages.Zip(y.Messages), pair => Assert.Equal(pair.First, pair.Second));
        }

        Assert.NotEqual(
            Enumerable.Range(0, 50).Select(i => a.Create(i).Mutation),
            Enumerable.Range(0, 50).Select(i => other.Create(i).Mutation));
    }
}
