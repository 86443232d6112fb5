namespace Chats.Gateway.HttpApi;

/// <summary>The answer of <c>POST /v1/images/generations</c>: OpenAI's shape plus what the gateway and sampler decided.</summary>
/// <param name="Created">Unix time in seconds when the generation finished.</param>
/// <param name="Data">The images, in index order.</param>
/// <param name="Chats">The mode, A/B arm and generation id.</param>
public sealed record ImageGenerationResponse(long Created, IReadOnlyList<GeneratedImageData> Data, ChatsGenerationInfo Chats);
