namespace Chats.Core.Schedulers;

/// <summary>The scheduler algorithms this system implements.</summary>
public enum SchedulerKind
{
    /// <summary>DDIM (η = 0), ε-prediction models.</summary>
    Ddim,

    /// <summary>Euler discrete (k-diffusion style sigmas), ε-prediction models.</summary>
    EulerDiscrete,

    /// <summary>Euler for rectified flow, flow-velocity models.</summary>
    FlowMatchEuler,

    /// <summary>DPM-Solver++ multistep (2M by default), ε- or v-prediction models.</summary>
    DpmSolverMultistep,
}
