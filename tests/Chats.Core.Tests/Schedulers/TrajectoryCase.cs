using Chats.Core.Schedulers;

namespace Chats.Core.Tests.Schedulers;

/// <summary>A named scheduler setup for the synthetic trajectories of the state tests.</summary>
internal sealed record TrajectoryCase(SchedulerKind Kind, SchedulerConfig Config, double? Mu = null, bool FluxSigmas = false)
{
    private static readonly SchedulerConfig s_flow = new() { ClassName = "FlowMatchEulerDiscreteScheduler" };

    private static readonly Dictionary<string, TrajectoryCase> s_cases = new()
    {
        ["ddim"] = new(SchedulerKind.Ddim, SchedulerConfig.StableDiffusionDefaults),
        ["ddim-trailing-v"] = new(SchedulerKind.Ddim, SchedulerConfig.StableDiffusionDefaults with
        {
            TimestepSpacing = TimestepSpacing.Trailing,
            PredictionType = PredictionType.VPrediction,
        }),
        ["euler"] = new(SchedulerKind.EulerDiscrete, SchedulerConfig.StableDiffusionDefaults),
        ["euler-karras-v"] = new(SchedulerKind.EulerDiscrete, SchedulerConfig.StableDiffusionDefaults with
        {
            UseKarrasSigmas = true,
            PredictionType = PredictionType.VPrediction,
        }),
        ["dpm-2m"] = new(SchedulerKind.DpmSolverMultistep, SchedulerConfig.StableDiffusionDefaults),
        ["dpm-2m-heun-v"] = new(SchedulerKind.DpmSolverMultistep, SchedulerConfig.StableDiffusionDefaults with
        {
            SolverType = DpmSolverType.Heun,
            PredictionType = PredictionType.VPrediction,
            TimestepSpacing = TimestepSpacing.Trailing,
        }),

        // Not with Heun: diffusers 0.25 repeats the last Karras σ, so a second-order last step (≥ 15 steps) has
        // h = 0 and Heun's (e^−h − 1)/h is NaN; midpoint makes it a zero-size step.
        ["dpm-2m-karras"] = new(SchedulerKind.DpmSolverMultistep, SchedulerConfig.StableDiffusionDefaults with { UseKarrasSigmas = true }),
        ["dpm-1"] = new(SchedulerKind.DpmSolverMultistep, SchedulerConfig.StableDiffusionDefaults with { SolverOrder = 1 }),
        ["flow-static"] = new(SchedulerKind.FlowMatchEuler, s_flow with { Shift = 3.0 }),
        ["flow-dynamic-flux"] = new(
            SchedulerKind.FlowMatchEuler, s_flow with { UseDynamicShifting = true, ShiftTerminal = 0.02 }, Mu: 0.63, FluxSigmas: true),
    };

    public static IEnumerable<string> Names => s_cases.Keys;

    public static TrajectoryCase Named(string name) => s_cases[name];

    /// <summary>A fresh scheduler prepared for <paramref name="steps"/> steps, as a pipeline would.</summary>
    public INoiseScheduler Start(int steps)
    {
        INoiseScheduler scheduler = NoiseSchedulerFactory.Create(Kind, Config);
        if (scheduler is FlowMatchEulerScheduler flow && (Mu is not null || FluxSigmas))
        {
            flow.SetTimesteps(steps, Mu, FluxSigmas ? FluxSigmaSchedule(steps) : null);
        }
        else
        {
            scheduler.SetTimesteps(steps);
        }

        return scheduler;
    }

    /// <summary>Flux pipelines' σ = linspace(1, 1/N, N).</summary>
    private static float[] FluxSigmaSchedule(int steps)
    {
        var sigmas = new float[steps];
        for (int i = 0; i < steps; i++)
        {
            sigmas[i] = steps == 1 ? 1f : (float)(1.0 + (i * ((1.0 / steps) - 1.0) / (steps - 1)));
        }

        return sigmas;
    }
}
