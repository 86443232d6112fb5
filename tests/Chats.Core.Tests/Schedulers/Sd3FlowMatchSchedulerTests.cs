using Chats.Core.Schedulers;
using Chats.Core.Tests.Models;
using TorchSharp;
using TorchSharp.PyBridge;

namespace Chats.Core.Tests.Schedulers;

/// <summary>
/// FlowMatchEulerScheduler against the SD3 fixtures (diffusers v0.29.2, <c>shift</c> 3.0): the timesteps of every
/// CFG / CHATS case and the latents trajectory rebuilt from the cases' guided velocities; and the dynamic-shifting
/// default schedule (what SD3 pipelines use with <c>use_dynamic_shifting</c>) against the formula worked by hand.
/// </summary>
public sealed class Sd3FlowMatchSchedulerTests
{
    private const double TimestepTolerance = 1e-4;
    private const double LatentTolerance = 1e-5;

    public static TheoryData<string, string> Cases() => new()
    {
        { "tiny-sd3", "cfg_b1.safetensors" },
        { "tiny-sd3", "cfg_b2_nonsquare.safetensors" },
        { "tiny-chats-sd3", "chats_b1.safetensors" },
        { "tiny-chats-sd3", "chats_b2_nonsquare.safetensors" },
    };

    [Theory]
    [InlineData("tiny-sd3")]
    [InlineData("tiny-chats-sd3")]
    public void Config_IsAStaticShiftOfThree(string pipeline)
    {
        var config = SchedulerConfig.LoadForPipeline(Path.Combine(FixturePaths.DiffusersReferenceSd3, pipeline));

        Assert.Equal(SchedulerKind.FlowMatchEuler, NoiseSchedulerFactory.KindOf(config.ClassName!));
        Assert.Equal(3.0, config.Shift);
        Assert.False(config.UseDynamicShifting);
        Assert.Equal(PredictionType.FlowVelocity, config.PredictionType);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Timesteps_MatchTheCase(string pipeline, string caseFile)
    {
        var (scheduler, tensors, _) = Load(pipeline, caseFile);
        float[] expected = tensors["timesteps"].Data;

        double err = MaxAbs([.. scheduler.Timesteps], expected);

        ModelCases.Log($"sd3 scheduler {pipeline} {caseFile} timesteps max_abs={err:E3}");
        Assert.Equal(expected.Length, scheduler.Timesteps.Count);
        Assert.True(err <= TimestepTolerance, $"{caseFile}: timesteps differ by {err:E3}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Step_ReproducesTheLatentsTrajectoryFromTheVelocities(string pipeline, string caseFile)
    {
        var (scheduler, tensors, steps) = Load(pipeline, caseFile);
        var (noise, _) = tensors["initial_noise"];
        var (velocity, _) = tensors["velocity"];
        var (latents, _) = tensors["latents"];
        int length = noise.Length;

        // Flow matching starts at σ = 1 from the noise itself: no init-noise scaling.
        Assert.Equal(1f, scheduler.InitNoiseSigma);
        float[] sample = (float[])noise.Clone();
        double worst = 0;
        for (int k = 0; k < steps; k++)
        {
            float[] input = (float[])sample.Clone();
            scheduler.ScaleModelInput(input, k);
            Assert.Equal(sample, input);

            scheduler.Step(velocity.AsSpan(k * length, length), k, sample);
            worst = Math.Max(worst, MaxAbs(sample, latents.AsSpan(k * length, length)));
        }

        ModelCases.Log($"sd3 scheduler {pipeline} {caseFile} latents max_abs={worst:E3}");
        Assert.Equal(steps, scheduler.StepIndex);
        Assert.True(worst <= LatentTolerance, $"{caseFile}: latents differ by {worst:E3}");
    }

    [Theory]
    [InlineData(256, 4, TimeShiftType.Exponential)]
    [InlineData(1024, 4, TimeShiftType.Exponential)]
    [InlineData(4096, 28, TimeShiftType.Exponential)]
    [InlineData(1024, 5, TimeShiftType.Linear)]
    public void DynamicShifting_DefaultSchedule_IsTheTimeShiftOfLinspace(int imageSeqLen, int steps, TimeShiftType shiftType)
    {
        var config = SchedulerConfig.Parse(
            $$"""
            { "_class_name": "FlowMatchEulerDiscreteScheduler", "num_train_timesteps": 1000, "shift": 3.0,
              "use_dynamic_shifting": true, "base_shift": 0.5, "max_shift": 1.15, "base_image_seq_len": 256,
              "max_image_seq_len": 4096, "time_shift_type": "{{(shiftType == TimeShiftType.Linear ? "linear" : "exponential")}}" }
            """,
            "dynamic");
        var scheduler = new FlowMatchEulerScheduler(config);
        double mu = FlowMatchEulerScheduler.CalculateShift(config, imageSeqLen);

        scheduler.SetTimesteps(steps, mu);

        // calculate_shift: μ linear in the token count through (256, 0.5) and (4096, 1.15).
        Assert.Equal(0.5 + ((1.15 - 0.5) * (imageSeqLen - 256) / (4096 - 256)), mu, 12);

        // With dynamic shifting the training σ are unshifted (σ_max = 1, σ_min = 1/1000), so set_timesteps spaces
        // σ = linspace(1, 0.001, N) and applies only the time shift: e^μ / (e^μ + 1/σ − 1) (linear: μ in place of e^μ).
        double numerator = shiftType == TimeShiftType.Exponential ? Math.Exp(mu) : mu;
        double sigmaMin = (double)(1f / 1000f);
        for (int i = 0; i < steps; i++)
        {
            double sigma = 1 + (i * (sigmaMin - 1) / (steps - 1));
            float expected = (float)(numerator / (numerator + ((1 / sigma) - 1)));
            Assert.Equal(expected, scheduler.Sigmas[i], 1e-7f);
            Assert.Equal(expected * 1000f, scheduler.Timesteps[i], 1e-4f);
        }

        Assert.Equal(0f, scheduler.Sigmas[steps]);
        Assert.Equal(1f, scheduler.Sigmas[0]);
    }

    [Fact]
    public void DynamicShifting_LargerImages_ShiftTowardsNoise()
    {
        var config = new SchedulerConfig { ClassName = "FlowMatchEulerDiscreteScheduler", UseDynamicShifting = true };
        var small = new FlowMatchEulerScheduler(config);
        var large = new FlowMatchEulerScheduler(config);

        small.SetTimesteps(4, FlowMatchEulerScheduler.CalculateShift(config, 256));
        large.SetTimesteps(4, FlowMatchEulerScheduler.CalculateShift(config, 4096));

        // μ grows with the token count, so every interior σ of the larger image is higher (more time near noise).
        for (int i = 1; i < 4; i++)
        {
            Assert.True(large.Sigmas[i] > small.Sigmas[i], $"σ[{i}]: {large.Sigmas[i]} ≤ {small.Sigmas[i]}");
        }
    }

    [Fact]
    public void DynamicShifting_StateCarriesMu_AndRestoresTheSameSchedule()
    {
        var config = new SchedulerConfig { ClassName = "FlowMatchEulerDiscreteScheduler", UseDynamicShifting = true };
        var scheduler = new FlowMatchEulerScheduler(config);
        double mu = FlowMatchEulerScheduler.CalculateShift(config, 1536);
        scheduler.SetTimesteps(5, mu);
        float[] sample = [0.5f, -1f, 2f];
        scheduler.Step([0.1f, 0.2f, -0.3f], 0, sample);
        scheduler.Step([0.4f, -0.2f, 0.3f], 1, sample);

        var state = SchedulerState.FromBytes(scheduler.CaptureState().ToBytes());
        var restored = NoiseSchedulerFactory.Restore(config, state);

        Assert.Equal(mu, state.Mu);
        Assert.Equal(scheduler.Timesteps, restored.Timesteps);
        Assert.Equal(scheduler.Sigmas, ((FlowMatchEulerScheduler)restored).Sigmas);
        Assert.Equal(2, restored.StepIndex);
        Assert.Throws<ArgumentException>(() => NoiseSchedulerFactory.Restore(
            config, new SchedulerState(SchedulerKind.FlowMatchEuler, 5, 2)));
    }

    private static (FlowMatchEulerScheduler Scheduler, Dictionary<string, (float[] Data, long[] Shape)> Tensors, int Steps) Load(
        string pipeline, string caseFile)
    {
        string root = Path.Combine(FixturePaths.DiffusersReferenceSd3, pipeline);
        var config = SchedulerConfig.LoadForPipeline(root);
        var tensors = new Dictionary<string, (float[], long[])>(StringComparer.Ordinal);
        using (var scope = torch.NewDisposeScope())
        {
            foreach ((string name, torch.Tensor tensor) in Safetensors.LoadStateDict(Path.Combine(root, "cases", caseFile)))
            {
                using var asFloat = tensor.to_type(torch.ScalarType.Float32).contiguous();
                tensors[name] = (asFloat.data<float>().ToArray(), tensor.shape);
            }
        }

        int steps = (int)tensors["timesteps"].Item2[0];
        var scheduler = (FlowMatchEulerScheduler)NoiseSchedulerFactory.Create(SchedulerKind.FlowMatchEuler, config);
        scheduler.SetTimesteps(steps);
        return (scheduler, tensors, steps);
    }

    private static double MaxAbs(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs((double)actual[i] - expected[i]));
        }

        return worst;
    }
}
