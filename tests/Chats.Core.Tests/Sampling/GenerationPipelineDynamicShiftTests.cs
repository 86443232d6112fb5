using Chats.Tools;
using Chats.Core.Guidance;
using Chats.Core.Sampling;
using Chats.Core.Schedulers;
using Chats.Core.Tests.Replicas;

namespace Chats.Core.Tests.Sampling;

/// <summary>
/// A flow-matching pipeline whose scheduler config has <c>use_dynamic_shifting</c> (SD3.5 / Flux style): prepare sets
/// the timesteps with μ from the request's image token count, as diffusers' SD3 pipeline does, and a resumed
/// generation keeps that μ.
/// </summary>
public sealed class GenerationPipelineDynamicShiftTests
{
    private const int Steps = 4;

    // SD3-like: 16 latent channels, VAE factor 8, transformer patch size 2.
    private static readonly ModelGeometry s_geometry = new(16, 8, 64, 64, PredictionType.FlowVelocity, UsesTimeIds: false, PatchSize: 2);

    private static readonly SchedulerConfig s_dynamic = SchedulerConfig.Parse(
        """
        { "_class_name": "FlowMatchEulerDiscreteScheduler", "num_train_timesteps": 1000, "shift": 3.0,
          "use_dynamic_shifting": true, "base_shift": 0.5, "max_shift": 1.15, "base_image_seq_len": 256, "max_image_seq_len": 4096 }
        """,
        "dynamic/scheduler_config.json");

    [Theory]
    [InlineData(64, 64, 16)]
    [InlineData(256, 512, 512)]
    [InlineData(40, 24, 2)]
    public void ImageSeqLen_IsTheTokenGridOfTheLatent(int width, int height, int expected)
    {
        // (H // f // p) · (W // f // p), floored at each division as diffusers' integer arithmetic is.
        Assert.Equal(expected, s_geometry.ImageSeqLen(width, height));
        Assert.Equal((height / 8) * (width / 8), (s_geometry with { PatchSize = 1 }).ImageSeqLen(width, height));
    }

    [Theory]
    [InlineData(64, 64)]
    [InlineData(512, 256)]
    [InlineData(1024, 1024)]
    public async Task Prepare_SetsMuFromTheImageTokenCount(int width, int height)
    {
        var ct = TestContext.Current.CancellationToken;
        var (pipeline, denoiser) = Create();
        var spec = Spec(width, height);

        var state = await pipeline.PrepareAsync(spec, "g", cancellationToken: ct);
        await foreach (var _ in pipeline.ResumeAsync(state, ct))
        {
        }

        int tokens = (height / 8 / 2) * (width / 8 / 2);
        double slope = (1.15 - 0.5) / (4096 - 256);
        double expectedMu = 0.5 + (slope * (tokens - 256));
        Assert.NotNull(state.Scheduler.Mu);
        Assert.Equal(expectedMu, state.Scheduler.Mu!.Value, 12);

        // The denoiser was asked at the timesteps of that μ.
        var reference = new FlowMatchEulerScheduler(s_dynamic);
        reference.SetTimesteps(Steps, expectedMu);
        Assert.Equal([.. reference.Timesteps], denoiser.Steps.Select(step => step.Timestep));
    }

    [Fact]
    public async Task Prepare_MuDependsOnTheSize()
    {
        var ct = TestContext.Current.CancellationToken;
        var (pipeline, _) = Create();

        var small = await pipeline.PrepareAsync(Spec(64, 64), "small", cancellationToken: ct);
        var large = await pipeline.PrepareAsync(Spec(1024, 1024), "large", cancellationToken: ct);

        Assert.True(large.Scheduler.Mu > small.Scheduler.Mu, $"μ {large.Scheduler.Mu} for 1024² ≤ μ {small.Scheduler.Mu} for 64²");
    }

    [Fact]
    public async Task StaticShiftConfig_CarriesNoMu()
    {
        var ct = TestContext.Current.CancellationToken;
        var (pipeline, _) = Create(s_dynamic with { UseDynamicShifting = false });

        var state = await pipeline.PrepareAsync(Spec(64, 64), "g", cancellationToken: ct);

        Assert.Null(state.Scheduler.Mu);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task ResumedAfterKSteps_FromBytes_GivesTheSameLatents(int k)
    {
        var ct = TestContext.Current.CancellationToken;
        var spec = Spec(96, 64);

        var (uninterrupted, _) = Create();
        var full = await uninterrupted.PrepareAsync(spec, "full", cancellationToken: ct);
        var fullLatents = await RunToEndAsync(uninterrupted, full, ct);

        var (first, _) = Create();
        byte[] bytes;
        await using (var run = await first.OpenAsync(await first.PrepareAsync(spec, "part", cancellationToken: ct), ct))
        {
            for (int i = 0; i < k; i++)
            {
                await run.StepAsync(ct);
            }

            bytes = GenerationStateCodec.ToBytes(run.Capture());
        }

        var (fresh, _) = Create();
        var restored = GenerationStateCodec.FromBytes(bytes);
        Assert.Equal(full.Scheduler.Mu, restored.Scheduler.Mu);
        var resumedLatents = await RunToEndAsync(fresh, restored, ct);

        Assert.Equal(fullLatents, resumedLatents);
    }

    private static async Task<float[]> RunToEndAsync(GenerationPipeline pipeline, GenerationState state, CancellationToken ct)
    {
        await using var run = await pipeline.OpenAsync(state, ct);
        while (!run.IsDenoised)
        {
            await run.StepAsync(ct);
        }

        return run.Capture().Latents.Data;
    }

    private static GenerationSpec Spec(int width, int height) =>
        new("a cat", "", width, height, Steps, 7, new GuidanceParameters(GuidanceMode.Cfg, 4f, 0.5f), SchedulerKind.FlowMatchEuler, 1);

    private static (GenerationPipeline Pipeline, RecordingDenoiserEndpoint Denoiser) Create(SchedulerConfig? config = null)
    {
        var denoiser = new RecordingDenoiserEndpoint(new ScriptedDenoiser("theta"));
        var roles = new DenoiserRoles(denoiser, new ZeroDenoiserEndpoint(), null);
        var pipeline = new GenerationPipeline(new FakePromptEncoder(), roles, new KeepingLatentDecoder(), config ?? s_dynamic, s_geometry);
        return (pipeline, denoiser);
    }
}
