using Chats.Core.Sampling;
using Chats.Inference.Engine;
using Chats.Protos.V1;
using Chats.ServiceDefaults;

namespace Chats.Denoiser;

/// <summary>chats.v1 denoiser messages to the engine's types; wire-level checks only (the engine does the rest).</summary>
internal static class DenoiserRequestMapping
{
    public static DenoiserSessionSetup ToSetup(SessionOpen open)
    {
        var conditionings = open.Conditionings.Select((c, i) => c.ToCore($"open.conditionings[{i}]")).ToList();
        return new DenoiserSessionSetup(open.SessionId, conditionings, open.FirstStepIndex);
    }

    public static DenoiserStep ToStep(DenoiseRequest message, DenoiserSession session)
    {
        if (message.KindCase != DenoiseRequest.KindOneofCase.Step)
        {
            throw new RequestValidationException("step", "only StepRequest messages may follow SessionOpen");
        }

        var step = message.Step;
        if (step.SessionId != session.Id)
        {
            throw new RequestValidationException("step.session_id", $"'{step.SessionId}' does not match the open session '{session.Id}'");
        }

        if (step.Latent is null)
        {
            throw new RequestValidationException("step.latent", "is required");
        }

        // The received bytes as they are (validated for size); the model copies them straight into its input tensor.
        return new DenoiserStep(step.StepIndex, step.Timestep, step.Latent.ToWire("step.latent"), [.. step.ConditioningIndices]);
    }
}
