using Chats.Core.Sampling;
using Chats.Core.Tensors;
using Chats.Inference.Engine;
using Chats.Inference.Roles;
using TorchSharp;

namespace Chats.Core.Tests.Inference;

/// <summary>The denoiser session protocol over a real tiny UNet (the fixture's SD1.5 unet_win).</summary>
[Collection("TorchSharp")]
public sealed class DenoiserSessionEngineTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly UNetDenoiserModel _unet = UNetDenoiserModel.Load(FixturePaths.Combine("tiny-chats-sd15"), "unet_win");
    private readonly CountingDenoiserModel _model;

    public DenoiserSessionEngineTests() => _model = new CountingDenoiserModel(_unet);

    public void Dispose() => _unet.Dispose();

    [Fact]
    public async Task Steps_MatchTheModelsDirectForward_AndUploadConditioningsOnce()
    {
        using var engine = new DenoiserSessionEngine(_model);
        var setup = Setup("s", 2);
        var session = engine.Open(setup);

        var latent = Latent(3);
        var first = await engine.StepAsync(session, new DenoiserStep(0, 999f, latent, [0, 1]), Ct).WaitAsync(s_timeout, Ct);
        var second = await engine.StepAsync(session, new DenoiserStep(1, 500f, latent, [1]), Ct).WaitAsync(s_timeout, Ct);

        using var scope = torch.NewDisposeScope();
        using var direct = _unet.Upload(setup.Conditionings);
        var expected = _unet.Predict(latent, 999f, direct, [0, 1]);
        Assert.Equal(2, first.Count);
        Assert.Equal(expected[0].Data, first[0].Data);
        Assert.Equal(expected[1].Data, first[1].Data);
        Assert.Equal(_unet.Predict(latent, 500f, direct, [1])[0].Data, Assert.Single(second).Data);

        // Uploaded at open (the engine's), not per step; the direct reference above is the second upload.
        Assert.Equal(1, _model.Uploads);
        Assert.Equal(2, _model.Predictions);
    }

    [Fact]
    public async Task SessionOpenedAtStepK_TakesStepKFirst_AndRefusesAnyOther()
    {
        using var engine = new DenoiserSessionEngine(_model);
        var session = engine.Open(Setup("resumed", 1) with { FirstStepIndex = 7 });

        var wrong = await Assert.ThrowsAsync<RequestValidationException>(() => engine.StepAsync(session, new DenoiserStep(0, 10f, Latent(1), [0]), Ct));
        Assert.Equal("step.step_index: expected 7, got 0", wrong.Message);

        await engine.StepAsync(session, new DenoiserStep(7, 10f, Latent(1), [0]), Ct).WaitAsync(s_timeout, Ct);
        var skipped = await Assert.ThrowsAsync<RequestValidationException>(() => engine.StepAsync(session, new DenoiserStep(9, 5f, Latent(1), [0]), Ct));
        Assert.Equal("step.step_index: expected 8, got 9", skipped.Message);
        Assert.Equal(8, session.NextStepIndex);
    }

    [Theory]
    [InlineData("empty-id", "open.session_id")]
    [InlineData("no-conditionings", "open.conditionings")]
    [InlineData("negative-first-step", "open.first_step_index")]
    [InlineData("nan-conditioning", "open.conditionings[0].tensors[prompt_embeds]")]
    [InlineData("wrong-width", "open.conditionings[0].tensors[prompt_embeds]")]
    [InlineData("unknown-tensor", "open.conditionings[0].tensors[pooled_prompt_embeds]")]
    public void Open_InvalidSetup_NamesTheField(string problem, string field)
    {
        using var engine = new DenoiserSessionEngine(_model);
        var setup = Setup("s", 1);
        setup = problem switch
        {
            "empty-id" => setup with { SessionId = string.Empty },
            "no-conditionings" => setup with { Conditionings = [] },
            "negative-first-step" => setup with { FirstStepIndex = -1 },
            "nan-conditioning" => setup with { Conditionings = [WithValue(setup.Conditionings[0], float.NaN)] },
            "wrong-width" => setup with { Conditionings = [new PromptConditioning(HostTensor.Zeros(4, 3), null)] },
            // The SD1.5 UNet takes no pooled embedding: an extra tensor is refused, not ignored.
            "unknown-tensor" => setup with { Conditionings = [new PromptConditioning(setup.Conditionings[0].HiddenStates, HostTensor.Zeros(8))] },
            _ => throw new ArgumentOutOfRangeException(nameof(problem)),
        };

        var ex = Assert.Throws<RequestValidationException>(() => engine.Open(setup));

        Assert.Equal(field, ex.Field);
        Assert.Equal(0, engine.ActiveSessions);
    }

    [Theory]
    [InlineData("index-out-of-range", "step.conditioning_indices")]
    [InlineData("no-indices", "step.conditioning_indices")]
    [InlineData("negative-timestep", "step.timestep")]
    [InlineData("nan-latent", "step.latent")]
    [InlineData("wrong-channels", "step.latent")]
    public async Task Step_Invalid_NamesTheField_AndLeavesTheSessionUsable(string problem, string field)
    {
        using var engine = new DenoiserSessionEngine(_model);
        var session = engine.Open(Setup("s", 2));
        var step = problem switch
        {
            "index-out-of-range" => new DenoiserStep(0, 1f, Latent(1), [0, 2]),
            "no-indices" => new DenoiserStep(0, 1f, Latent(1), []),
            "negative-timestep" => new DenoiserStep(0, -1f, Latent(1), [0]),
            "nan-latent" => new DenoiserStep(0, 1f, new HostTensor(Enumerable.Repeat(float.NaN, 4 * 8 * 8).ToArray(), [1, 4, 8, 8]), [0]),
            "wrong-channels" => new DenoiserStep(0, 1f, HostTensor.Zeros(1, 3, 8, 8), [0]),
            _ => throw new ArgumentOutOfRangeException(nameof(problem)),
        };

        var ex = await Assert.ThrowsAsync<RequestValidationException>(() => engine.StepAsync(session, step, Ct));

        Assert.Equal(field, ex.Field);
        Assert.Equal(0, session.NextStepIndex);
        Assert.Equal(0, _model.Predictions);
    }

    [Fact]
    public void Open_BeyondMaxSessions_IsRefusedAtOnce_UntilASessionCloses()
    {
        using var engine = new DenoiserSessionEngine(_model, new DenoiserEngineOptions { Name = "unet_win", MaxSessions = 2 });
        var a = engine.Open(Setup("a", 1));
        engine.Open(Setup("b", 1));

        var busy = Assert.Throws<WorkerBusyException>(() => engine.Open(Setup("c", 1)));
        Assert.Contains("unet_win", busy.Message, StringComparison.Ordinal);
        Assert.Contains("maximum 2 sessions", busy.Message, StringComparison.Ordinal);
        // A session lasts a generation: the hint is the generation's delay, stated in the message too.
        Assert.EndsWith("; retry in 1 s", busy.Message, StringComparison.Ordinal);
        Assert.Equal(RetryDelay.Generation, busy.RetryAfter);

        engine.Close(a);
        engine.Close(a); // idempotent: frees one slot, not two
        engine.Open(Setup("c", 1));
        Assert.Throws<WorkerBusyException>(() => engine.Open(Setup("d", 1)));
        Assert.Equal(2, engine.ActiveSessions);
    }

    [Fact]
    public async Task IdleSession_IsClosedAfterTheTimeout_WithAClearReason_AndItsSlotFreed()
    {
        var closed = new List<DenoiserSessionSummary>();
        using var engine = new DenoiserSessionEngine(
            _model, new DenoiserEngineOptions { MaxSessions = 1, SessionIdleTimeout = TimeSpan.FromMilliseconds(200) });
        engine.SessionClosed += s =>
        {
            lock (closed)
            {
                closed.Add(s);
            }
        };
        var idle = engine.Open(Setup("idle", 1));
        await engine.StepAsync(idle, new DenoiserStep(0, 5f, Latent(1), [0]), Ct).WaitAsync(s_timeout, Ct);

        await Task.Delay(Timeout.Infinite, idle.Closed).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(s_timeout, Ct);

        Assert.Equal(0, engine.ActiveSessions);
        var error = await Assert.ThrowsAsync<SessionClosedException>(() => engine.StepAsync(idle, new DenoiserStep(1, 4f, Latent(1), [0]), Ct));
        Assert.Equal(SessionCloseReason.IdleTimeout, error.Reason);
        Assert.Contains("sent no step for 0.2 s", error.Message, StringComparison.Ordinal);
        var summary = Assert.Single(closed);
        Assert.Equal(("idle", 1, SessionCloseReason.IdleTimeout), (summary.SessionId, summary.Steps, summary.ServerCloseReason));

        // The freed slot takes a new session.
        engine.Open(Setup("next", 1));
    }

    [Fact]
    public async Task ActiveSession_SendingSteps_IsNotClosedByTheIdleTimeout()
    {
        // Steps 100 ms apart against a 1 s timeout: only a stall of a whole second on a loaded machine could close it.
        using var engine = new DenoiserSessionEngine(_model, new DenoiserEngineOptions { SessionIdleTimeout = TimeSpan.FromSeconds(1) });
        var session = engine.Open(Setup("busy", 1));

        for (int i = 0; i < 15; i++)
        {
            await engine.StepAsync(session, new DenoiserStep(i, 100f - i, Latent(1), [0]), Ct).WaitAsync(s_timeout, Ct);
            await Task.Delay(100, Ct);
        }

        Assert.False(session.Closed.IsCancellationRequested);
        Assert.Equal(1, engine.ActiveSessions);
    }

    [Fact]
    public async Task CancelledStep_IsAnsweredAtOnce_AndTheSameStepCanBeSentAgain()
    {
        using var engine = new DenoiserSessionEngine(_model);
        var session = engine.Open(Setup("s", 1));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var task = engine.StepAsync(session, new DenoiserStep(0, 5f, Latent(1), [0]), cancelled.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task.WaitAsync(s_timeout, Ct));

        // Once the worker has passed the cancelled step, step 0 is still the one expected.
        var answer = await RetryWhileRunningAsync(() => engine.StepAsync(session, new DenoiserStep(0, 5f, Latent(1), [0]), Ct));
        Assert.Single(answer);
        Assert.Equal(1, session.NextStepIndex);
    }

    [Fact]
    public async Task Dispose_ClosesOpenSessions_AsShuttingDown()
    {
        var engine = new DenoiserSessionEngine(_model);
        var session = engine.Open(Setup("s", 1));

        engine.Dispose();

        Assert.True(session.Closed.IsCancellationRequested);
        var error = await Assert.ThrowsAsync<SessionClosedException>(() => engine.StepAsync(session, new DenoiserStep(0, 5f, Latent(1), [0]), Ct));
        Assert.Equal(SessionCloseReason.ShuttingDown, error.Reason);
        Assert.Equal(SessionCloseReason.ShuttingDown, Assert.Throws<SessionClosedException>(() => engine.Open(Setup("t", 1))).Reason);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<IReadOnlyList<HostTensor>> RetryWhileRunningAsync(Func<Task<IReadOnlyList<HostTensor>>> step)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return await step().WaitAsync(s_timeout, Ct);
            }
            catch (RequestValidationException ex) when (ex.Message.Contains("still running", StringComparison.Ordinal) && attempt < 500)
            {
                await Task.Delay(10, Ct);
            }
        }
    }

    private static DenoiserSessionSetup Setup(string id, int conditionings)
        => new(id, Enumerable.Range(0, conditionings).Select(k => Conditioning(k)).ToList());

    private static PromptConditioning Conditioning(int seed)
    {
        // The tiny SD1.5 UNet attends to 32-wide token embeddings.
        var data = GaussianNoise.Sample(5 * 32, (ulong)(100 + seed));
        return new PromptConditioning(new HostTensor(data, [5, 32]), null);
    }

    private static PromptConditioning WithValue(PromptConditioning c, float value)
    {
        var data = (float[])c.HiddenStates.Data.Clone();
        data[3] = value;
        return new PromptConditioning(new HostTensor(data, (long[])c.HiddenStates.Shape.Clone()), null);
    }

    private static HostTensor Latent(int batch) => new(GaussianNoise.Sample(batch * 4 * 8 * 8, 42), [batch, 4, 8, 8]);
}
