namespace Chats.Core.Sampling;

/// <summary>What a denoiser session is opened with; sent once, referred to by every step.</summary>
/// <param name="SessionId">Unique per generation and role.</param>
/// <param name="Conditionings">The conditionings steps refer to by index.</param>
/// <param name="TimeIds">SDXL micro-conditioning (original size, crop, target size), empty otherwise.</param>
/// <param name="FirstStepIndex">
/// The first step the session will see: 0 for a new generation, k for one resumed after k steps elsewhere.
/// </param>
public sealed record DenoiserSessionSetup(string SessionId, IReadOnlyList<PromptConditioning> Conditionings, float[] TimeIds, int FirstStepIndex = 0);
