namespace Chats.Cli.Fuzzing;

/// <summary>What well-formed messages look like for the deployed models (read from the services' GetInfo).</summary>
/// <param name="LatentChannels">UNet and VAE latent channels.</param>
/// <param name="LatentSide">Side of the small latents valid cases send.</param>
/// <param name="Tokens">Tokens per conditioning (the text encoder's max_tokens).</param>
/// <param name="HiddenSize">Width of a token embedding.</param>
/// <param name="PooledSize">Width of the pooled embedding; 0 when the denoiser takes none.</param>
/// <param name="TimeIds">SDXL micro-conditioning values (6) or none (0).</param>
/// <param name="SpatialFactor">Pixels per latent cell (the decoder's).</param>
internal sealed record FuzzModelShape(int LatentChannels, int LatentSide, int Tokens, int HiddenSize, int PooledSize, int TimeIds, int SpatialFactor);
