namespace Chats.Gateway.HttpApi;

/// <summary>One image of an <see cref="ImageGenerationResponse"/>.</summary>
/// <param name="B64Json">The PNG, base64.</param>
/// <param name="Seed">The seed of its initial noise (request seed + index).</param>
public sealed record GeneratedImageData(string B64Json, ulong Seed);
