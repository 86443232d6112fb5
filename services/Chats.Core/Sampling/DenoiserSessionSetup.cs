namespace Chats.Core.Sampling;

/// <summary>What a denoiser session is opened with; sent once, referred to by every step.</summary>
/// <param name="SessionId">Unique per generation and role.</param>
/// <param name="Conditionings">The conditionings steps refer to by index.</param>
/// <param name="TimeIds">SDXL micro-conditioning (original size, crop, target size), empty otherwise.</param>
public sealed record DenoiserSessionSetup(string SessionId, IReadOnlyList<PromptConditioning> Conditionings, float[] TimeIds);
