namespace Chats.Cli.Fuzzing;

/// <summary>The gRPC addresses a fuzz run calls.</summary>
/// <param name="Gateway">The gateway (Generate through YARP).</param>
/// <param name="Sampler">A sampler, called directly.</param>
/// <param name="TextEncoder">The text encoder.</param>
/// <param name="Denoiser">A denoiser (the preferred role).</param>
/// <param name="Decoder">The decoder.</param>
internal sealed record FuzzTargets(Uri Gateway, Uri Sampler, Uri TextEncoder, Uri Denoiser, Uri Decoder);
