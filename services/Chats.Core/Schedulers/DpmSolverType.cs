namespace Chats.Core.Schedulers;

/// <summary>The second-order update of DPM-Solver++ (diffusers' <c>solver_type</c>).</summary>
public enum DpmSolverType
{
    /// <summary>The midpoint form (diffusers' default, used by Stable Diffusion's "DPM++ 2M").</summary>
    Midpoint,

    /// <summary>The Heun form.</summary>
    Heun,
}
