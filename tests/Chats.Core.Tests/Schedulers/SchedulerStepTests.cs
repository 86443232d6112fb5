using Chats.Core.Schedulers;

namespace Chats.Core.Tests.Schedulers;

/// <summary>Single steps checked against the published formulas, evaluated by hand in float64.</summary>
public sealed class SchedulerStepTests
{
    /// <summary>float32 schedule tables versus the float64 recomputation.</summary>
    private const double Tolerance = 2e-5;

    private static readonly float[] s_sample = [1.0f, -0.5f, 2.0f];
    private static readonly float[] s_modelOutput = [0.2f, 0.3f, -1.0f];

    [Fact]
    public void Ddim_FirstLeadingStep_IsTheDdimUpdate()
    {
        var scheduler = new DdimScheduler(SchedulerConfig.StableDiffusionDefaults);
        scheduler.SetTimesteps(10);
        Assert.Equal([901f, 801f, 701f, 601f, 501f, 401f, 301f, 201f, 101f, 1f], scheduler.Timesteps);

        float[] sample = [.. s_sample];
        scheduler.Step(s_modelOutput, 0, sample);

        double alpha = HandSchedule.AlphaCumprod(901);
        double alphaPrevious = HandSchedule.AlphaCumprod(801);
        for (int i = 0; i < sample.Length; i++)
        {
            double x0 = (s_sample[i] - (Math.Sqrt(1 - alpha) * s_modelOutput[i])) / Math.Sqrt(alpha);
            double expected = (Math.Sqrt(alphaPrevious) * x0) + (Math.Sqrt(1 - alphaPrevious) * s_modelOutput[i]);
            AssertClose(expected, sample[i]);
        }
    }

    [Fact]
    public void Ddim_VPrediction_IsTheVUpdate()
    {
        var scheduler = new DdimScheduler(SchedulerConfig.StableDiffusionDefaults with { PredictionType = PredictionType.VPrediction });
        scheduler.SetTimesteps(10);

        float[] sample = [.. s_sample];
        scheduler.Step(s_modelOutput, 3, sample);

        double alpha = HandSchedule.AlphaCumprod(601);
        double alphaPrevious = HandSchedule.AlphaCumprod(501);
        for (int i = 0; i < sample.Length; i++)
        {
            double x0 = (Math.Sqrt(alpha) * s_sample[i]) - (Math.Sqrt(1 - alpha) * s_modelOutput[i]);
            double epsilon = (Math.Sqrt(alpha) * s_modelOutput[i]) + (Math.Sqrt(1 - alpha) * s_sample[i]);
            AssertClose((Math.Sqrt(alphaPrevious) * x0) + (Math.Sqrt(1 - alphaPrevious) * epsilon), sample[i]);
        }
    }

    [Fact]
    public void Ddim_ClipSample_ClampsPredictedOriginal()
    {
        var scheduler = new DdimScheduler(SchedulerConfig.StableDiffusionDefaults with { ClipSample = true, ClipSampleRange = 1.0 });
        scheduler.SetTimesteps(10);
        float[] sample = [.. s_sample];
        var x0 = new float[sample.Length];

        scheduler.Step(s_modelOutput, 0, sample, x0);

        Assert.All(x0, v => Assert.InRange(v, -1f, 1f));
        Assert.Equal(1f, x0[2]);
    }

    [Fact]
    public void Ddim_ZeroModelOutput_LastStepWithAlphaOne_ReturnsSampleOverSqrtAlpha()
    {
        var scheduler = new DdimScheduler(SchedulerConfig.StableDiffusionDefaults with { SetAlphaToOne = true });
        scheduler.SetTimesteps(10);
        float[] sample = [.. s_sample];

        scheduler.Step(new float[sample.Length], 9, sample);

        for (int i = 0; i < sample.Length; i++)
        {
            AssertClose(s_sample[i] / Math.Sqrt(HandSchedule.AlphaCumprod(1)), sample[i]);
        }
    }

    [Fact]
    public void EulerDiscrete_LeadingSpacing_ScalesAndStepsLikeKarrasAlgorithm2()
    {
        var scheduler = new EulerDiscreteScheduler(SchedulerConfig.StableDiffusionDefaults);
        scheduler.SetTimesteps(4);
        Assert.Equal([751f, 501f, 251f, 1f], scheduler.Timesteps);
        double sigma0 = HandSchedule.Sigma(751);
        double sigma1 = HandSchedule.Sigma(501);
        AssertClose(Math.Sqrt((sigma0 * sigma0) + 1), scheduler.InitNoiseSigma);
        Assert.Equal(0f, scheduler.Sigmas[^1]);

        float[] scaled = [.. s_sample];
        scheduler.ScaleModelInput(scaled, 0);
        float[] sample = [.. s_sample];
        scheduler.Step(s_modelOutput, 0, sample);

        for (int i = 0; i < sample.Length; i++)
        {
            AssertClose(s_sample[i] / Math.Sqrt((sigma0 * sigma0) + 1), scaled[i]);

            // ε-prediction: dx/dσ = (x − x₀)/σ = ε.
            AssertClose(s_sample[i] + (s_modelOutput[i] * (sigma1 - sigma0)), sample[i]);
        }
    }

    [Fact]
    public void EulerDiscrete_TrailingSpacing_InitNoiseSigmaIsSigmaMax()
    {
        var scheduler = new EulerDiscreteScheduler(SchedulerConfig.StableDiffusionDefaults with { TimestepSpacing = TimestepSpacing.Trailing });
        scheduler.SetTimesteps(4);

        Assert.Equal([999f, 749f, 499f, 249f], scheduler.Timesteps);
        AssertClose(HandSchedule.Sigma(999), scheduler.InitNoiseSigma);
    }

    [Fact]
    public void EulerDiscrete_KarrasSigmas_FollowRho7BetweenTheScheduleEnds()
    {
        var scheduler = new EulerDiscreteScheduler(SchedulerConfig.StableDiffusionDefaults with
        {
            TimestepSpacing = TimestepSpacing.Trailing,
            UseKarrasSigmas = true,
        });
        scheduler.SetTimesteps(4);

        double max = Math.Pow(HandSchedule.Sigma(999), 1 / 7.0);
        double min = Math.Pow(HandSchedule.Sigma(249), 1 / 7.0);
        for (int i = 0; i < 4; i++)
        {
            AssertClose(Math.Pow(max + (i / 3.0 * (min - max)), 7), scheduler.Sigmas[i]);
        }

        Assert.Equal(999f, scheduler.Timesteps[0], 1e-3f);
        Assert.Equal(249f, scheduler.Timesteps[3], 1e-3f);
    }

    [Fact]
    public void FlowMatchEuler_StaticShift_ShiftsLinspaceSigmas()
    {
        var scheduler = new FlowMatchEulerScheduler(new SchedulerConfig { ClassName = "FlowMatchEulerDiscreteScheduler", Shift = 3.0 });
        scheduler.SetTimesteps(4);

        // diffusers spaces the unshifted σ between 1 and the shifted training σ_min, then shifts once more.
        double trainingMin = 3 * 0.001 / (1 + (2 * 0.001));
        double[] expected = new double[4];
        for (int i = 0; i < 4; i++)
        {
            double sigma = 1 + (i * (trainingMin - 1) / 3);
            expected[i] = 3 * sigma / (1 + (2 * sigma));
            AssertClose(expected[i], scheduler.Sigmas[i]);
            AssertClose(expected[i] * 1000, scheduler.Timesteps[i]);
        }

        Assert.Equal(0f, scheduler.Sigmas[4]);
        float[] sample = [.. s_sample];
        scheduler.Step(s_modelOutput, 1, sample);
        for (int i = 0; i < sample.Length; i++)
        {
            AssertClose(s_sample[i] + ((expected[2] - expected[1]) * s_modelOutput[i]), sample[i]);
        }
    }

    [Fact]
    public void FlowMatchEuler_DynamicShift_UsesMu()
    {
        var config = new SchedulerConfig { ClassName = "FlowMatchEulerDiscreteScheduler", UseDynamicShifting = true };
        var scheduler = new FlowMatchEulerScheduler(config);
        double mu = FlowMatchEulerScheduler.CalculateShift(config, 1024);
        AssertClose(0.5 + ((1.15 - 0.5) * (1024 - 256) / (4096 - 256)), mu);

        scheduler.SetTimesteps(2, mu, [1.0f, 0.5f]);

        AssertClose(1.0, scheduler.Sigmas[0]);
        AssertClose(Math.Exp(mu) / (Math.Exp(mu) + ((1 / 0.5) - 1)), scheduler.Sigmas[1]);
        Assert.Throws<InvalidOperationException>(() => scheduler.SetTimesteps(2));
    }

    [Fact]
    public void DpmSolverMultistep_FirstStep_IsTheFirstOrderDpmSolverPlusPlusUpdate()
    {
        var scheduler = new DpmSolverMultistepScheduler(SchedulerConfig.StableDiffusionDefaults with { TimestepSpacing = TimestepSpacing.Linspace });
        scheduler.SetTimesteps(4);
        Assert.Equal([999f, 749f, 500f, 250f], scheduler.Timesteps);

        float[] sample = [.. s_sample];
        scheduler.Step(s_modelOutput, 0, sample);

        (double alphaS, double sigmaS) = VariancePreserving(HandSchedule.Sigma(999));
        (double alphaT, double sigmaT) = VariancePreserving(HandSchedule.Sigma(749));
        double h = Math.Log(alphaT / sigmaT) - Math.Log(alphaS / sigmaS);
        for (int i = 0; i < sample.Length; i++)
        {
            double x0 = (s_sample[i] - (sigmaS * s_modelOutput[i])) / alphaS;
            AssertClose((sigmaT / sigmaS * s_sample[i]) - (alphaT * (Math.Exp(-h) - 1) * x0), sample[i]);
        }
    }

    [Fact]
    public void DpmSolverMultistep_SecondStep_AddsTheMidpointCorrection()
    {
        var scheduler = new DpmSolverMultistepScheduler(SchedulerConfig.StableDiffusionDefaults with { TimestepSpacing = TimestepSpacing.Linspace });
        scheduler.SetTimesteps(4);
        float[] sample = [.. s_sample];
        scheduler.Step(s_modelOutput, 0, sample);
        float[] afterFirst = [.. sample];
        float[] secondOutput = [-0.1f, 0.4f, 0.25f];
        scheduler.Step(secondOutput, 1, sample);

        (double alpha0, double sigma0) = VariancePreserving(HandSchedule.Sigma(999));
        (double alpha1, double sigma1) = VariancePreserving(HandSchedule.Sigma(749));
        (double alpha2, double sigma2) = VariancePreserving(HandSchedule.Sigma(500));
        double lambda0 = Math.Log(alpha0 / sigma0);
        double lambda1 = Math.Log(alpha1 / sigma1);
        double lambda2 = Math.Log(alpha2 / sigma2);
        double h = lambda2 - lambda1;
        double r0 = (lambda1 - lambda0) / h;
        for (int i = 0; i < sample.Length; i++)
        {
            double previousX0 = (s_sample[i] - (sigma0 * s_modelOutput[i])) / alpha0;
            double x0 = (afterFirst[i] - (sigma1 * secondOutput[i])) / alpha1;
            double d1 = (x0 - previousX0) / r0;
            double expected = (sigma2 / sigma1 * afterFirst[i]) - (alpha2 * (Math.Exp(-h) - 1) * x0)
                - (0.5 * alpha2 * (Math.Exp(-h) - 1) * d1);
            AssertClose(expected, sample[i]);
        }

        Assert.Throws<InvalidOperationException>(() => scheduler.Step(secondOutput, 3, sample));
    }

    private static (double Alpha, double Sigma) VariancePreserving(double sigma)
    {
        double alpha = 1 / Math.Sqrt((sigma * sigma) + 1);
        return (alpha, sigma * alpha);
    }

    private static void AssertClose(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= Tolerance * Math.Max(1, Math.Abs(expected)),
            $"expected {expected:R}, got {actual:R}");
}
