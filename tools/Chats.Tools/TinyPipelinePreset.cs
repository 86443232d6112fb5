namespace Chats.Tools;

/// <summary>The UNet shape a <see cref="TinyPipelineBuilder"/> pipeline gets.</summary>
public enum TinyPipelinePreset
{
    /// <summary>Two blocks of 32 and 64 channels at a 16×16 latent (64×64 images): every component in milliseconds, for tests and demos.</summary>
    Tiny,

    /// <summary>
    /// SD 1.5's UNet block layout (three cross-attention down blocks and a plain one, the mirror going up, two resnets per
    /// block, eight heads) at a fifth of its widths and a 24×24 latent (96×96 images), where one forward costs about 100 ms on 2 CPU cores: a
    /// compute-bound denoiser for serving benchmarks, where the tiny one measures overhead rather than compute.
    /// </summary>
    Sd15Shaped,
}
