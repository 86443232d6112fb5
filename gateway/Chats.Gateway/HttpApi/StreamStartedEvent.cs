namespace Chats.Gateway.HttpApi;

/// <summary>The <c>started</c> event: what the sampler resolved from the request.</summary>
public sealed record StreamStartedEvent(string GenerationId, string Mode, string Arm, int Steps, int Width, int Height, float GuidanceScale, float Alpha);
