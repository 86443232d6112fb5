using Chats.Core.Schedulers;

namespace Chats.Core.Tests.Schedulers;

public sealed class SchedulerInvariantTests
{
    public static TheoryData<SchedulerKind, TimestepSpacing, bool, int> DiffusionCases()
    {
        var data = new TheoryData<SchedulerKind, TimestepSpacing, bool, int>();
        foreach (SchedulerKind kind in (SchedulerKind[])[SchedulerKind.Ddim, SchedulerKind.EulerDiscrete, SchedulerKind.DpmSolverMultistep])
        {
            foreach (TimestepSpacing spacing in Enum.GetValues<TimestepSpacing>())
            {
                foreach (bool karras in (bool[])[false, true])
                {
                    if (karras && kind == SchedulerKind.Ddim)
                    {
                        continue;
                    }

                    foreach (int steps in (int[])[1, 4, 7, 30])
                    {
                        data.Add(kind, spacing, karras, steps);
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(DiffusionCases))]
    public void Timesteps_AreStrictlyDecreasingInRange_OnePerStep(SchedulerKind kind, TimestepSpacing spacing, bool karras, int steps)
    {
        INoiseScheduler scheduler = NoiseSchedulerFactory.Create(kind, SchedulerConfig.StableDiffusionDefaults with
        {
            TimestepSpacing = spacing,
            UseKarrasSigmas = karras,
        });
        scheduler.SetTimesteps(steps);

        Assert.Equal(steps, scheduler.Timesteps.Count);
        Assert.All(scheduler.Timesteps, t => Assert.InRange(t, 0f, 999f));
        for (int i = 1; i < steps; i++)
        {
            Assert.True(scheduler.Timesteps[i] < scheduler.Timesteps[i - 1], $"timestep {i} does not decrease");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(28)]
    public void FlowMatchEuler_ConstantVelocity_TravelsFromSigmaOneToZero(int steps)
    {
        var scheduler = new FlowMatchEulerScheduler(new SchedulerConfig { ClassName = "FlowMatchEulerDiscreteScheduler", Shift = 3.0 });
        scheduler.SetTimesteps(steps);
        float[] velocity = [0.5f, -2f];
        float[] sample = [1f, 1f];

        for (int i = 0; i < steps; i++)
        {
            Assert.InRange(scheduler.Timesteps[i], 0f, 1000f);
            if (i > 0)
            {
                Assert.True(scheduler.Timesteps[i] < scheduler.Timesteps[i - 1]);
            }

            scheduler.Step(velocity, i, sample);
        }

        // x(0) = x(1) − v·(σ₀ − 0) with σ₀ = 1.
        Assert.Equal(1f, scheduler.Sigmas[0]);
        Assert.Equal(0.5f, sample[0], 1e-5f);
        Assert.Equal(3f, sample[1], 1e-5f);
    }

    [Fact]
    public void FlowMatchEuler_ZeroVelocity_LeavesSampleUnchanged()
    {
        var scheduler = new FlowMatchEulerScheduler(new SchedulerConfig { ClassName = "FlowMatchEulerDiscreteScheduler" });
        scheduler.SetTimesteps(5);
        float[] sample = [0.25f, -3f];
        scheduler.ScaleModelInput(sample, 0);
        scheduler.Step(new float[2], 0, sample);

        Assert.Equal([0.25f, -3f], sample);
    }

    [Theory]
    [InlineData(SchedulerKind.EulerDiscrete, false)]
    [InlineData(SchedulerKind.EulerDiscrete, true)]
    [InlineData(SchedulerKind.DpmSolverMultistep, false)]
    [InlineData(SchedulerKind.DpmSolverMultistep, true)]
    public void PerfectNoisePrediction_StaysOnTheNoisingPath(SchedulerKind kind, bool karras)
    {
        INoiseScheduler scheduler = NoiseSchedulerFactory.Create(kind, SchedulerConfig.StableDiffusionDefaults with
        {
            TimestepSpacing = TimestepSpacing.Linspace,
            UseKarrasSigmas = karras,
        });
        scheduler.SetTimesteps(8);
        IReadOnlyList<float> sigmas = scheduler is EulerDiscreteScheduler euler ? euler.Sigmas : ((DpmSolverMultistepScheduler)scheduler).Sigmas;
        float[] clean = [0.3f, -0.7f];
        float[] noise = [1.1f, 0.4f];
        float[] sample = [.. Noised(clean, noise, sigmas[0], kind)];

        for (int i = 0; i < 8; i++)
        {
            scheduler.Step(noise, i, sample);
            float[] expected = Noised(clean, noise, sigmas[i + 1], kind);
            Assert.Equal(expected[0], sample[0], 1e-4f);
            Assert.Equal(expected[1], sample[1], 1e-4f);
        }
    }

    [Fact]
    public void Ddim_LeadingWithOffset_AtEveryTrainingTimestep_IsRefused_NotAnIndexErrorLater()
    {
        var scheduler = new DdimScheduler(SchedulerConfig.StableDiffusionDefaults);
        scheduler.SetTimesteps(999);
        Assert.Equal(999, scheduler.TrainingTimesteps[0]);

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.SetTimesteps(1000));
        Assert.Contains("start at timestep 1000, past the last of 1000 training timesteps", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Step_BeforeSetTimesteps_Throws()
    {
        var scheduler = new DdimScheduler(SchedulerConfig.StableDiffusionDefaults);

        Assert.Throws<InvalidOperationException>(() => scheduler.Step(new float[2], 0, new float[2]));
    }

    [Fact]
    public void Step_MismatchedBuffers_Throws()
    {
        var scheduler = new EulerDiscreteScheduler(SchedulerConfig.StableDiffusionDefaults);
        scheduler.SetTimesteps(4);

        Assert.Throws<ArgumentException>(() => scheduler.Step(new float[3], 0, new float[2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.Step(new float[2], 4, new float[2]));
    }

    [Fact]
    public void Create_FlowVelocityConfigForDdim_Throws() =>
        Assert.Throws<ArgumentException>(() => NoiseSchedulerFactory.Create(
            SchedulerKind.Ddim, new SchedulerConfig { PredictionType = PredictionType.FlowVelocity }));

    [Fact]
    public void Create_ReturnsFreshInstances()
    {
        INoiseScheduler first = NoiseSchedulerFactory.Create(SchedulerKind.DpmSolverMultistep, SchedulerConfig.StableDiffusionDefaults);
        INoiseScheduler second = NoiseSchedulerFactory.Create(SchedulerKind.DpmSolverMultistep, SchedulerConfig.StableDiffusionDefaults);

        Assert.NotSame(first, second);
    }

    /// <summary>
    /// Euler works on x = x₀ + σε; DPM-Solver on the variance-preserving x = α(x₀ + σε), α = 1/√(σ² + 1).
    /// </summary>
    private static float[] Noised(float[] clean, float[] noise, float sigma, SchedulerKind kind)
    {
        double scale = kind == SchedulerKind.DpmSolverMultistep ? 1 / Math.Sqrt(((double)sigma * sigma) + 1) : 1;
        return [.. clean.Select((c, i) => (float)(scale * (c + ((double)sigma * noise[i]))))];
    }
}
