namespace Chats.Core.Sampling;

/// <summary>What a denoiser session is opened with; sent once, referred to by every step.</summary>
/// <param name="SessionId">Unique per generation and role.</param>
/// <param name="Conditionings">
/// The conditionings steps refer to by index, each a set of named tensors (SDXL's also carry
/// <see cref="ConditioningNames.TimeIds"/>).
/// </param>
/// <param name="FirstStepIndex">
/// The first step the session will see: 0 for a new generation, k for one resumed after k steps elsewhere.
/// </param>
public sealed record DenoiserSessionSetup(string SessionId, IReadOnlyList<PromptConditioning> Conditionings, int FirstStepIndex = 0);
