using Chats.Core.Guidance;
using Chats.Core.Sampling;
using Chats.Core.Schedulers;
using Chats.Inference.Local;
using Chats.Tools;

namespace Chats.Core.Tests.Sampling;

/// <summary>
/// Resumable generations: k steps in one pipeline, the state captured and serialised, then restored into a fresh
/// pipeline (fresh models, fresh denoiser sessions opened at step k) and finished: the PNG must be byte-identical to
/// the uninterrupted run, for every scheduler and mode.
/// </summary>
[Collection("TorchSharp")]
public sealed class GenerationResumeTests : IClassFixture<GenerationResumeTests.TinyPipelines>
{
    private const int Steps = 5;
    private readonly TinyPipelines _pipelines;

    public GenerationResumeTests(TinyPipelines pipelines) => _pipelines = pipelines;

    public static TheoryData<SchedulerKind, GuidanceMode, int> Cases()
    {
        var cases = new TheoryData<SchedulerKind, GuidanceMode, int>();
        foreach (var scheduler in Enum.GetValues<SchedulerKind>())
        {
            foreach (var mode in Enum.GetValues<GuidanceMode>())
            {
                cases.Add(scheduler, mode, 2);
            }
        }

        // The edges: nothing run yet, and every step run (only decoding left).
        cases.Add(SchedulerKind.DpmSolverMultistep, GuidanceMode.Chats, 0);
        cases.Add(SchedulerKind.DpmSolverMultistep, GuidanceMode.ChatsFull, Steps);
        cases.Add(SchedulerKind.DpmSolverMultistep, GuidanceMode.Cfg, Steps - 1);
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task ResumedAfterKSteps_InAFreshPipeline_GivesTheByteIdenticalPng(SchedulerKind scheduler, GuidanceMode mode, int k)
    {
        var ct = TestContext.Current.CancellationToken;
        string folder = scheduler == SchedulerKind.FlowMatchEuler ? _pipelines.Flow : _pipelines.Epsilon;
        var input = new GenerationRequestInput("a red circle and a blue square", "a green triangle", 32, 32, Steps, 11, 3f, 0.5f, mode, scheduler, 2);

        byte[][] uninterrupted;
        byte[] stateBytes;
        using (var first = LocalPipeline.Open(folder))
        {
            uninterrupted = [.. (await first.GenerateAsync(input, ct)).Select(i => i.Png)];

            var spec = first.Validator.Validate(input);
            var state = await first.Pipeline.PrepareAsync(spec, "interrupted", cancellationToken: ct);
            await using (var run = await first.Pipeline.OpenAsync(state, ct))
            {
                for (int i = 0; i < k; i++)
                {
                    await run.StepAsync(ct);
                }

                var captured = run.Capture();
                Assert.Equal(k, captured.StepIndex);
                stateBytes = GenerationStateCodec.ToBytes(captured);
            }
        }

        using var fresh = LocalPipeline.Open(folder);
        var restored = GenerationStateCodec.FromBytes(stateBytes);
        var progress = new List<int>();
        var resumed = new List<byte[]>();
        await foreach (var e in fresh.Pipeline.ResumeAsync(restored, ct))
        {
            switch (e)
            {
                case GenerationProgressEvent p:
                    progress.Add(p.Step);
                    break;
                case GenerationImageEvent image:
                    resumed.Add(image.Png);
                    break;
            }
        }

        Assert.Equal(Enumerable.Range(k + 1, Steps - k), progress);
        Assert.Equal(uninterrupted.Length, resumed.Count);
        for (int i = 0; i < resumed.Count; i++)
        {
            Assert.Equal(uninterrupted[i], resumed[i]);
        }
    }

    [Fact]
    public async Task ResumedState_WithTheSchedulerHistoryLost_DiffersFromTheUninterruptedRun()
    {
        // Guards the test above: DPM-Solver++ 2M's second-order steps read the previous step's x₀, so restoring only
        // the latents (a fresh scheduler state at step k) must change the image.
        var ct = TestContext.Current.CancellationToken;
        var input = new GenerationRequestInput("two yellow stars", string.Empty, 32, 32, Steps, 5, 3f, 0.5f, GuidanceMode.Chats, SchedulerKind.DpmSolverMultistep, 1);
        using var pipeline = LocalPipeline.Open(_pipelines.Epsilon);
        byte[] uninterrupted = (await pipeline.GenerateAsync(input, ct))[0].Png;

        var state = await pipeline.Pipeline.PrepareAsync(pipeline.Validator.Validate(input), "g", cancellationToken: ct);
        GenerationState captured;
        await using (var run = await pipeline.Pipeline.OpenAsync(state, ct))
        {
            await run.StepAsync(ct);
            await run.StepAsync(ct);
            captured = run.Capture();
        }

        var withoutHistory = captured with { Scheduler = new SchedulerState(SchedulerKind.DpmSolverMultistep, captured.TotalSteps, 2, [new float[captured.Latents.Data.Length]]) };
        byte[] resumed = [];
        await foreach (var e in pipeline.Pipeline.ResumeAsync(withoutHistory, ct))
        {
            if (e is GenerationImageEvent image)
            {
                resumed = image.Png;
            }
        }

        Assert.NotEmpty(resumed);
        Assert.NotEqual(uninterrupted, resumed);
    }

    /// <summary>The tiny three-UNet pipeline the CLI builds, and a copy of it configured for rectified flow.</summary>
    public sealed class TinyPipelines : IDisposable
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "chats-resume-" + Guid.NewGuid().ToString("N"));

        public TinyPipelines()
        {
            Epsilon = Path.Combine(_root, "epsilon");
            TinyPipelineBuilder.Create(Epsilon);
            Flow = Path.Combine(_root, "flow");
            CopyDirectory(Epsilon, Flow);
            File.Copy(
                FixturePaths.Combine("schedulers", "flowmatch_euler_default", "scheduler_config.json"),
                Path.Combine(Flow, "scheduler", "scheduler_config.json"),
                overwrite: true);
        }

        public string Epsilon { get; }

        public string Flow { get; }

        public void Dispose() => Directory.Delete(_root, recursive: true);

        private static void CopyDirectory(string from, string to)
        {
            foreach (string dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            {
                Directory.CreateDirectory(dir.Replace(from, to, StringComparison.Ordinal));
            }

            Directory.CreateDirectory(to);
            foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            {
                File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
            }
        }
    }
}
