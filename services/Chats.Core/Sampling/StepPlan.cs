using Chats.Core.Guidance;

namespace Chats.Core.Sampling;

/// <summary>
/// Which denoisers a mode needs, in the order <see cref="GenerationRun"/> combines them, what each session is
/// opened with, and which of its conditionings each step evaluates.
/// </summary>
/// <remarks>
/// CFG: the CFG model on [c, ∅]. CHATS: θ+ on [c], then θ− on [c̃]. CHATS full: θ+ on [c], then θ− on [c, ∅]
/// (one batched forward on θ−).
/// </remarks>
internal sealed record StepPlan(IReadOnlyList<StepPlan.Participant> Participants)
{
    public static StepPlan For(
        GuidanceMode mode, DenoiserRoles roles, PromptConditioning conditional, PromptConditioning unconditional, float alpha)
    {
        switch (mode)
        {
            case GuidanceMode.Cfg:
                var cfgModel = roles.CfgModel ?? throw new InvalidOperationException("CFG needs a standard or preferred denoiser");
                return new StepPlan([new Participant(roles.Standard is null ? "preferred" : "standard", cfgModel, [conditional, unconditional], [0, 1])]);
            case GuidanceMode.Chats:
                return new StepPlan(
                [
                    new Participant("preferred", Require(roles.Preferred, "preferred"), [conditional], [0]),
                    new Participant("dispreferred", Require(roles.Dispreferred, "dispreferred"), [PromptConditioning.Proxy(conditional, unconditional, alpha)], [0]),
                ]);
            case GuidanceMode.ChatsFull:
                return new StepPlan(
                [
                    new Participant("preferred", Require(roles.Preferred, "preferred"), [conditional], [0]),
                    new Participant("dispreferred", Require(roles.Dispreferred, "dispreferred"), [conditional, unconditional], [0, 1]),
                ]);
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown guidance mode");
        }
    }

    private static IDenoiserEndpoint Require(IDenoiserEndpoint? endpoint, string role)
        => endpoint ?? throw new InvalidOperationException($"CHATS needs a {role} denoiser; none is configured");

    /// <summary>One denoiser of the plan.</summary>
    /// <param name="Role">preferred, dispreferred or standard: the suffix of the session id.</param>
    /// <param name="Endpoint">Where its sessions are opened.</param>
    /// <param name="Conditionings">What its session is opened with.</param>
    /// <param name="StepIndices">The conditionings each step evaluates, in the order the guidance formula reads them.</param>
    internal sealed record Participant(string Role, IDenoiserEndpoint Endpoint, IReadOnlyList<PromptConditioning> Conditionings, IReadOnlyList<int> StepIndices);
}
