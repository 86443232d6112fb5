namespace Chats.Core.Schedulers;

/// <summary>The noise level a DPM-Solver trajectory ends at (diffusers' <c>final_sigmas_type</c>).</summary>
public enum FinalSigmaType
{
    /// <summary>
    /// The smallest training σ (σ at t = 0; with Karras sigmas the last Karras σ), which is what diffusers 0.25
    /// always did. Used when a config has no <c>final_sigmas_type</c>.
    /// </summary>
    SigmaMin,

    /// <summary>σ = 0: the last step returns the predicted clean sample.</summary>
    Zero,
}
