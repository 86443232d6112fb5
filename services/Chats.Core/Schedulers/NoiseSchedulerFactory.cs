namespace Chats.Core.Schedulers;

/// <summary>Creates schedulers from a kind and a diffusers scheduler config.</summary>
public static class NoiseSchedulerFactory
{
    /// <summary>A fresh scheduler of <paramref name="kind"/> configured by <paramref name="config"/>.</summary>
    /// <exception cref="ArgumentException">The config does not suit the kind (e.g. flow velocity for DDIM).</exception>
    public static INoiseScheduler Create(SchedulerKind kind, SchedulerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return kind switch
        {
            SchedulerKind.Ddim => new DdimScheduler(config),
            SchedulerKind.EulerDiscrete => new EulerDiscreteScheduler(config),
            SchedulerKind.FlowMatchEuler => new FlowMatchEulerScheduler(config),
            SchedulerKind.DpmSolverMultistep => new DpmSolverMultistepScheduler(config),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown scheduler kind."),
        };
    }

    /// <summary>
    /// A fresh scheduler of the state's kind, configured by <paramref name="config"/> and restored to
    /// <paramref name="state"/>: a trajectory captured elsewhere, ready to continue at <see cref="SchedulerState.StepIndex"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The config does not suit the kind, or the state does not suit the config.</exception>
    public static INoiseScheduler Restore(SchedulerConfig config, SchedulerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        INoiseScheduler scheduler = Create(state.Kind, config);
        scheduler.RestoreState(state);
        return scheduler;
    }

    /// <summary>The kind implementing a diffusers scheduler class (<c>_class_name</c>), or null if none does.</summary>
    public static SchedulerKind? KindOf(string className) => className switch
    {
        "DDIMScheduler" => SchedulerKind.Ddim,
        "EulerDiscreteScheduler" => SchedulerKind.EulerDiscrete,
        "FlowMatchEulerDiscreteScheduler" => SchedulerKind.FlowMatchEuler,
        "DPMSolverMultistepScheduler" => SchedulerKind.DpmSolverMultistep,
        _ => null,
    };
}
