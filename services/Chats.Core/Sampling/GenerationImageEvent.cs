namespace Chats.Core.Sampling;

/// <summary>A finished image.</summary>
/// <param name="Index">Position in the request (0-based).</param>
/// <param name="Seed">The seed of this image's initial noise (request seed + index).</param>
/// <param name="Png">PNG file bytes.</param>
/// <param name="Width">Pixels.</param>
/// <param name="Height">Pixels.</param>
public sealed record GenerationImageEvent(int Index, ulong Seed, byte[] Png, int Width, int Height) : GenerationEvent;
