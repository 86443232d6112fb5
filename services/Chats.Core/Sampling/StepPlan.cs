using Chats.Core.Guidance;

namespace Chats.Core.Sampling;

/// <summary>Which denoisers a mode needs, what each session is opened with, and what each step asks of it.</summary>
internal sealed record StepPlan(StepPlan.Participant First, StepPlan.Participant? Second)
{
    public static StepPlan For(
        GuidanceMode mode, DenoiserRoles roles, PromptConditioning conditional, PromptConditioning unconditional, float alpha)
    {
        switch (mode)
        {
            case GuidanceMode.Cfg:
                var cfgModel = roles.CfgModel ?? throw new InvalidOperationException("CFG needs a standard or preferred denoiser");
                return new StepPlan(new Participant(roles.Standard is null ? "preferred" : "standard", cfgModel, [conditional, unconditional], [0, 1]), null);
            case GuidanceMode.Chats:
                return new StepPlan(
                    new Participant("preferred", Require(roles.Preferred, "preferred"), [conditional], [0]),
                    new Participant("dispreferred", Require(roles.Dispreferred, "dispreferred"), [PromptConditioning.Proxy(conditional, unconditional, alpha)], [0]));
            case GuidanceMode.ChatsFull:
                return new StepPlan(
                    new Participant("preferred", Require(roles.Preferred, "preferred"), [conditional], [0]),
                    new Participant("dispreferred", Require(roles.Dispreferred, "dispreferred"), [conditional, unconditional], [0, 1]));
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown guidance mode");
        }
    }

    private static IDenoiserEndpoint Require(IDenoiserEndpoint? endpoint, string role)
        => endpoint ?? throw new InvalidOperationException($"CHATS needs a {role} denoiser; none is configured");

    internal sealed record Participant(string Name, IDenoiserEndpoint Endpoint, IReadOnlyList<PromptConditioning> Conditionings, IReadOnlyList<int> StepIndices);
}
