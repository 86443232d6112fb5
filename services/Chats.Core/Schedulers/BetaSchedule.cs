namespace Chats.Core.Schedulers;

/// <summary>How the training noise schedule β₁…β_T is laid out (diffusers' <c>beta_schedule</c>).</summary>
public enum BetaSchedule
{
    /// <summary>β evenly spaced from <c>beta_start</c> to <c>beta_end</c> (<c>linear</c>).</summary>
    Linear,

    /// <summary>√β evenly spaced, then squared (<c>scaled_linear</c>, Stable Diffusion).</summary>
    ScaledLinear,
}
