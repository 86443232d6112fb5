using Chats.Core.Schedulers;

namespace Chats.Core.Tests.Schedulers;

/// <summary>
/// Runs each scheduler through the reference loop (x = x_init·init_noise_sigma; per step: scale the input,
/// fake model mo = 0.1·mi + 0.001·t, step) and compares every intermediate with diffusers' tensors.
/// </summary>
public sealed class DiffusersTrajectoryParityTests
{
    /// <summary>Max |error| / max |reference| allowed for latents (observed: at most 1.2e-6; flow matching bit-exact).</summary>
    private const double SampleTolerance = 5e-6;

    /// <summary>Timesteps and sigmas are float32 tables; allow a few ulp.</summary>
    private const double TableTolerance = 1e-6;

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (string folder in SchedulerReference.FolderNames())
        {
            foreach (int steps in (int[])[4, 10, 50])
            {
                data.Add(folder, steps);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Trajectory_MatchesDiffusers(string folder, int steps)
    {
        SchedulerConfig config = SchedulerConfig.Load(Path.Combine(SchedulerReference.Folder(folder), "scheduler_config.json"));
        SchedulerKind? kind = NoiseSchedulerFactory.KindOf(config.ClassName!);
        Assert.NotNull(kind);
        INoiseScheduler scheduler = NoiseSchedulerFactory.Create(kind.Value, config);
        SetTimestepsLikeReference(scheduler, config, steps);

        var reference = SchedulerReference.Load(folder, $"traj_n{steps}.safetensors");
        Assert.Equal(reference["timesteps"].Length, scheduler.Timesteps.Count);
        Assert.True(ReferenceComparison.RelativeError([.. scheduler.Timesteps], reference["timesteps"]) <= TableTolerance,
            "timesteps differ");
        if (reference.Has("sigmas"))
        {
            IReadOnlyList<float>? sigmas = scheduler switch
            {
                EulerDiscreteScheduler euler => euler.Sigmas,
                FlowMatchEulerScheduler flow => flow.Sigmas,
                DpmSolverMultistepScheduler dpm => dpm.Sigmas,
                _ => null,
            };
            Assert.NotNull(sigmas);
            Assert.True(ReferenceComparison.RelativeError([.. sigmas], reference["sigmas"]) <= TableTolerance, "sigmas differ");
        }

        Assert.Equal(reference["init_noise_sigma"][0], scheduler.InitNoiseSigma, 1e-6f * reference["init_noise_sigma"][0]);

        float[] x = reference["x_init"];
        int length = x.Length;
        for (int i = 0; i < length; i++)
        {
            x[i] *= scheduler.InitNoiseSigma;
        }

        double worst = ReferenceComparison.RelativeError(x, reference["x_start"]);
        var modelInput = new float[length];
        var modelOutput = new float[length];
        var predictedOriginal = new float[length];
        for (int step = 0; step < steps; step++)
        {
            x.CopyTo(modelInput, 0);
            scheduler.ScaleModelInput(modelInput, step);
            worst = Math.Max(worst, ReferenceComparison.RelativeError(modelInput, reference.Row("model_inputs", step, length)));

            float timeTerm = (float)(0.001 * scheduler.Timesteps[step]);
            for (int i = 0; i < length; i++)
            {
                modelOutput[i] = (0.1f * modelInput[i]) + timeTerm;
            }

            worst = Math.Max(worst, ReferenceComparison.RelativeError(modelOutput, reference.Row("model_outputs", step, length)));

            switch (scheduler)
            {
                case DdimScheduler ddim:
                    ddim.Step(modelOutput, step, x, predictedOriginal);
                    break;
                case EulerDiscreteScheduler euler:
                    euler.Step(modelOutput, step, x, predictedOriginal);
                    break;
                default:
                    scheduler.Step(modelOutput, step, x);
                    break;
            }

            if (reference.Has("pred_original_samples"))
            {
                worst = Math.Max(worst, ReferenceComparison.RelativeError(
                    predictedOriginal, reference.Row("pred_original_samples", step, length)));
            }

            double error = ReferenceComparison.RelativeError(x, reference.Row("prev_samples", step, length));
            Assert.True(error <= SampleTolerance, $"step {step}: prev_sample relative error {error:e2}");
            worst = Math.Max(worst, error);
        }

        TestContext.Current.SendDiagnosticMessage($"{folder} n={steps}: worst relative error {worst:e2}");
        Assert.True(worst <= SampleTolerance, $"worst relative error {worst:e2}");
    }

    [Theory]
    [MemberData(nameof(SchedulersWithTables))]
    public void AlphasCumprod_MatchesDiffusersTable(string folder)
    {
        SchedulerConfig config = SchedulerConfig.Load(Path.Combine(SchedulerReference.Folder(folder), "scheduler_config.json"));
        var tables = SchedulerReference.Load(folder, "tables.safetensors");
        var ddim = new DdimScheduler(config);
        Assert.True(ReferenceComparison.RelativeError([.. ddim.AlphasCumprod], tables["alphas_cumprod"]) <= TableTolerance);
    }

    public static TheoryData<string> SchedulersWithTables() =>
        [.. SchedulerReference.FolderNames().Where(f => File.Exists(Path.Combine(SchedulerReference.Folder(f), "tables.safetensors")))];

    /// <summary>The reference passes Flux's σ = linspace(1, 1/N, N) and μ for 1024 image tokens when shifting dynamically.</summary>
    private static void SetTimestepsLikeReference(INoiseScheduler scheduler, SchedulerConfig config, int steps)
    {
        if (scheduler is FlowMatchEulerScheduler flow && config.UseDynamicShifting)
        {
            float[] sigmas = new float[steps];
            double delta = ((1.0 / steps) - 1.0) / (steps - 1);
            for (int i = 0; i < steps; i++)
            {
                sigmas[i] = (float)(i == steps - 1 ? 1.0 / steps : 1.0 + (i * delta));
            }

            flow.SetTimesteps(steps, mu: 0.63, sigmas);
            return;
        }

        scheduler.SetTimesteps(steps);
    }
}
