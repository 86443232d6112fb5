using Chats.Protos.V1;

namespace Chats.Client;

/// <summary>A finished generation.</summary>
/// <param name="Started">What the sampler resolved (mode, steps, size, guidance, α, scheduler).</param>
/// <param name="Arm">The A/B arm that chose the mode ("explicit" when the request named one, "default" when the sampler's default applied), from the response header.</param>
/// <param name="Images">The images, in request order.</param>
public sealed record GenerationResult(GenerationStarted Started, string Arm, IReadOnlyList<GeneratedImage> Images);
