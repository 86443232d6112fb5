namespace Chats.Gateway.HttpApi;

/// <summary>What decided a generation (the <c>chats</c> member of an <see cref="ImageGenerationResponse"/>).</summary>
/// <param name="Mode"><c>cfg</c>, <c>chats</c> or <c>chats_full</c>.</param>
/// <param name="Arm">The A/B arm that chose the mode; <c>explicit</c> when the request named it, <c>default</c> for the sampler's default.</param>
/// <param name="GenerationId">The sampler's id of the generation (in its logs and traces).</param>
public sealed record ChatsGenerationInfo(string Mode, string Arm, string GenerationId);
