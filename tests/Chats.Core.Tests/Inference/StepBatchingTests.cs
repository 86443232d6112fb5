using Chats.Core.Sampling;
using Chats.Core.Tensors;
using Chats.Inference.Engine;
using Chats.Inference.Roles;

namespace Chats.Core.Tests.Inference;

/// <summary>
/// Cross-session step batching over a real tiny UNet: steps of many sessions in one forward pass, each keeping its own
/// timestep and conditionings, equal to running them alone.
/// </summary>
[Collection("TorchSharp")]
public sealed class StepBatchingTests : IDisposable
{
    // Long enough that every step submitted below is queued before the batch closes; a full batch closes at once.
    private static readonly TimeSpan s_gather = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly UNetDenoiserModel _unet = UNetDenoiserModel.Load(FixturePaths.Combine("tiny-chats-sd15"), "unet_win");

    public void Dispose() => _unet.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MixedSessionsTimestepsAndModes_InOneForward_EqualEachStepRunAlone()
    {
        // A CFG session (c, ∅), a CHATS-full θ− session (c, ∅), a CHATS θ− session (c̃) with two images, and a session
        // resumed at step 4: 2 + 2 + 2 + 1 = 7 rows, every step at its own timestep.
        var steps = new (DenoiserSessionSetup Setup, DenoiserStep Step)[]
        {
            (Setup("cfg", 2, seed: 1), new DenoiserStep(0, 981f, Latent(1, 10), [0, 1])),
            (Setup("full", 2, seed: 3), new DenoiserStep(0, 761f, Latent(1, 11), [0, 1])),
            (Setup("proxy", 1, seed: 5), new DenoiserStep(0, 501f, Latent(2, 12), [0])),
            (Setup("resumed", 1, seed: 6) with { FirstStepIndex = 4 }, new DenoiserStep(4, 41f, Latent(1, 13), [0])),
        };

        // Alone: one step at a time, so each forward pass holds that step's rows only.
        var alone = new List<IReadOnlyList<HostTensor>>();
        using (var sequential = new DenoiserSessionEngine(_unet, new DenoiserEngineOptions { MaxBatch = 8 }))
        {
            foreach (var (setup, step) in steps)
            {
                alone.Add(await sequential.StepAsync(sequential.Open(setup), step, Ct).WaitAsync(s_timeout, Ct));
            }
        }

        var counting = new CountingDenoiserModel(_unet);
        using var engine = new DenoiserSessionEngine(counting, new DenoiserEngineOptions { MaxBatch = 7, MaxQueueDelay = s_gather });
        var sessions = steps.Select(s => engine.Open(s.Setup)).ToList();
        var pending = steps.Select((s, i) => engine.StepAsync(sessions[i], s.Step, Ct)).ToList();
        var batched = await Task.WhenAll(pending).WaitAsync(s_timeout, Ct);

        Assert.Equal(1, counting.Forwards);
        for (int i = 0; i < steps.Length; i++)
        {
            Assert.Equal(alone[i].Count, batched[i].Count);
            for (int j = 0; j < alone[i].Count; j++)
            {
                Assert.Equal(alone[i][j].Shape, batched[i][j].Shape);
                Assert.True(MaxAbs(alone[i][j], batched[i][j]) <= 1e-5, $"step {i} prediction {j}: {MaxAbs(alone[i][j], batched[i][j]):E2}");
            }
        }
    }

    [Fact]
    public async Task QueueDelay_IsNotWaited_WhenEveryOpenSessionHasItsStepQueued()
    {
        // One generation alone: no other session could fill the batch, so a long MaxQueueDelay must not delay it.
        var counting = new CountingDenoiserModel(_unet);
        using var engine = new DenoiserSessionEngine(counting, new DenoiserEngineOptions { MaxBatch = 8, MaxQueueDelay = TimeSpan.FromSeconds(20) });
        var alone = engine.Open(Setup("alone", 2, seed: 1));

        var started = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 3; i++)
        {
            await engine.StepAsync(alone, new DenoiserStep(i, 900f - (100 * i), Latent(1, 20 + i), [0, 1]), Ct).WaitAsync(s_timeout, Ct);
        }

        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"3 steps of a lone session took {started.Elapsed.TotalSeconds:F1} s with a 20 s queue delay");
        Assert.Equal(3, counting.Forwards);
    }

    [Fact]
    public async Task QueueDelay_WaitsForAnOpenSessionWithoutAQueuedStep_ThenRunsBothInOneForward()
    {
        var counting = new CountingDenoiserModel(_unet);
        using var engine = new DenoiserSessionEngine(counting, new DenoiserEngineOptions { MaxBatch = 8, MaxQueueDelay = s_gather });
        var first = engine.Open(Setup("first", 1, seed: 1));
        var late = engine.Open(Setup("late", 1, seed: 2));

        var early = engine.StepAsync(first, new DenoiserStep(0, 981f, Latent(1, 30), [0]), Ct);
        await Task.Delay(200, Ct);
        Assert.False(early.IsCompleted, "the step ran without waiting for the open session that had no step queued");
        var second = engine.StepAsync(late, new DenoiserStep(0, 981f, Latent(1, 31), [0]), Ct);
        await Task.WhenAll(early, second).WaitAsync(s_timeout, Ct);

        Assert.Equal(1, counting.Forwards);
    }

    [Fact]
    public async Task ForwardPasses_TakeAtMostMaxBatchRows_AndIncompatibleShapesRunApart()
    {
        var counting = new CountingDenoiserModel(_unet);
        using var engine = new DenoiserSessionEngine(counting, new DenoiserEngineOptions { MaxBatch = 4, MaxQueueDelay = TimeSpan.FromMilliseconds(300) });
        var rows = new List<long>();
        engine.BatchExecuted += stats =>
        {
            lock (rows)
            {
                rows.Add(stats.Rows);
            }
        };

        // Six one-row steps of 8x8 latents and two of 16x16: the 8x8 ones fill batches of 4 and 2, the 16x16 ones run apart.
        var tasks = new List<Task<IReadOnlyList<HostTensor>>>();
        for (int i = 0; i < 8; i++)
        {
            int side = i < 6 ? 8 : 16;
            var session = engine.Open(Setup($"s{i}", 1, seed: i));
            tasks.Add(engine.StepAsync(session, new DenoiserStep(0, 900f - i, Latent(1, 20 + i, side), [0]), Ct));
        }

        await Task.WhenAll(tasks).WaitAsync(s_timeout, Ct);

        Assert.All(rows, r => Assert.InRange(r, 1, 4));
        Assert.Equal(8, rows.Sum());
        Assert.True(counting.Forwards >= 3, $"{counting.Forwards} forwards for 6 small + 2 large steps with MaxBatch 4");
        Assert.True(counting.Forwards < 8, "no two steps were batched");
    }

    [Fact]
    public async Task BatchingAcrossSessionsOff_RunsOneStepPerForward()
    {
        var counting = new CountingDenoiserModel(_unet);
        using var engine = new DenoiserSessionEngine(
            counting, new DenoiserEngineOptions { MaxBatch = 8, MaxQueueDelay = TimeSpan.FromMilliseconds(200), BatchAcrossSessions = false });

        var tasks = Enumerable.Range(0, 4)
            .Select(i => engine.StepAsync(engine.Open(Setup($"s{i}", 2, seed: i)), new DenoiserStep(0, 700f, Latent(1, i), [0, 1]), Ct))
            .ToList();
        await Task.WhenAll(tasks).WaitAsync(s_timeout, Ct);

        // Each step's own two conditionings still share its forward.
        Assert.Equal(4, counting.Forwards);
        Assert.All(tasks, t => Assert.Equal(2, t.Result.Count));
    }

    [Fact]
    public async Task BatchingAcrossSessionsOff_IsBatchInvariant_BitForBit()
    {
        // The documented batch-invariant option: whatever else is queued, a step's predictions are the bits it gets alone.
        var setups = Enumerable.Range(0, 4).Select(i => Setup($"s{i}", 2, seed: 40 + i)).ToList();
        var steps = Enumerable.Range(0, 4).Select(i => new DenoiserStep(0, 900f - (100 * i), Latent(1, 60 + i), [0, 1])).ToList();
        var options = new DenoiserEngineOptions { MaxBatch = 8, MaxQueueDelay = TimeSpan.FromMilliseconds(100), BatchAcrossSessions = false };

        var alone = new List<IReadOnlyList<HostTensor>>();
        using (var engine = new DenoiserSessionEngine(_unet, options))
        {
            for (int i = 0; i < 4; i++)
            {
                alone.Add(await engine.StepAsync(engine.Open(setups[i]), steps[i], Ct).WaitAsync(s_timeout, Ct));
            }
        }

        using var loaded = new DenoiserSessionEngine(_unet, options);
        var together = await Task.WhenAll(setups.Select((setup, i) => loaded.StepAsync(loaded.Open(setup), steps[i], Ct))).WaitAsync(s_timeout, Ct);

        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 2; j++)
            {
                Assert.Equal(alone[i][j].Data.Select(BitConverter.SingleToInt32Bits), together[i][j].Data.Select(BitConverter.SingleToInt32Bits));
            }
        }
    }

    [Fact]
    public async Task CancelledStep_LeavesTheBatch_WithoutFailingTheOthers()
    {
        var counting = new CountingDenoiserModel(_unet);
        using var engine = new DenoiserSessionEngine(counting, new DenoiserEngineOptions { MaxBatch = 3, MaxQueueDelay = TimeSpan.FromMilliseconds(500) });
        using var cancel = new CancellationTokenSource();
        var a = engine.Open(Setup("a", 1, seed: 1));
        var b = engine.Open(Setup("b", 1, seed: 2));
        var c = engine.Open(Setup("c", 1, seed: 3));

        var first = engine.StepAsync(a, new DenoiserStep(0, 500f, Latent(1, 1), [0]), Ct);
        var cancelled = engine.StepAsync(b, new DenoiserStep(0, 500f, Latent(1, 2), [0]), cancel.Token);
        await cancel.CancelAsync();
        var third = engine.StepAsync(c, new DenoiserStep(0, 400f, Latent(1, 3), [0]), Ct);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(s_timeout, Ct));
        Assert.Single(await first.WaitAsync(s_timeout, Ct));
        Assert.Single(await third.WaitAsync(s_timeout, Ct));
        Assert.Equal(0, b.Steps);
        Assert.Equal((1, 1), (a.Steps, c.Steps));
    }

    [Fact]
    public async Task BeyondMaxQueuedSteps_AStepIsRefusedAtOnce()
    {
        var counting = new CountingDenoiserModel(_unet);
        // The model thread waits for a batch of 8 that never fills (an open session has sent no step yet), so the two
        // queued steps stay queued meanwhile.
        using var engine = new DenoiserSessionEngine(counting, new DenoiserEngineOptions { MaxBatch = 8, MaxQueuedSteps = 2, MaxQueueDelay = TimeSpan.FromSeconds(2) });
        engine.Open(Setup("idle", 1, seed: 8));
        var queued = Enumerable.Range(0, 2)
            .Select(i => engine.StepAsync(engine.Open(Setup($"q{i}", 1, seed: i)), new DenoiserStep(0, 10f, Latent(1, i), [0]), Ct))
            .ToList();

        var busy = await Assert.ThrowsAsync<WorkerBusyException>(() => engine.StepAsync(engine.Open(Setup("over", 1, seed: 9)), new DenoiserStep(0, 10f, Latent(1, 9), [0]), Ct));

        Assert.Contains("queue of 2 steps", busy.Message, StringComparison.Ordinal);
        // A step queue drains in a forward pass or two: a shorter hint than a whole generation's.
        Assert.EndsWith("; retry in 100 ms", busy.Message, StringComparison.Ordinal);
        Assert.Equal(RetryDelay.Step, busy.RetryAfter);
        Assert.Equal(2, engine.PendingSteps);
        await Task.WhenAll(queued).WaitAsync(s_timeout, Ct);
        Assert.Equal(0, engine.PendingSteps);
    }

    [Fact]
    public async Task StepNeedingMoreRowsThanMaxBatch_IsInvalid_NamingTheBound()
    {
        using var engine = new DenoiserSessionEngine(_unet, new DenoiserEngineOptions { MaxBatch = 4 });
        var session = engine.Open(Setup("big", 2, seed: 1));

        var ex = await Assert.ThrowsAsync<RequestValidationException>(() => engine.StepAsync(session, new DenoiserStep(0, 1f, Latent(3, 1), [0, 1]), Ct));

        Assert.Equal("step.conditioning_indices", ex.Field);
        Assert.Contains("3 latents × 2 indices = 6 rows exceed this denoiser's maximum batch of 4", ex.Message, StringComparison.Ordinal);
        // 2 × 2 = 4 fits.
        Assert.Equal(2, (await engine.StepAsync(session, new DenoiserStep(0, 1f, Latent(2, 1), [0, 1]), Ct).WaitAsync(s_timeout, Ct)).Count);
    }

    private static double MaxAbs(HostTensor a, HostTensor b) => a.Data.Zip(b.Data, (x, y) => Math.Abs(x - y)).Max();

    private static DenoiserSessionSetup Setup(string id, int conditionings, int seed)
        => new(id, Enumerable.Range(0, conditionings)
            .Select(k => new PromptConditioning(new HostTensor(GaussianNoise.Sample(5 * 32, (ulong)((seed * 10) + k)), [5, 32]), null))
            .ToList());

    private static HostTensor Latent(int batch, int seed, int side = 8)
        => new(GaussianNoise.Sample(batch * 4 * side * side, (ulong)seed), [batch, 4, side, side]);
}
