namespace Chats.Cli.Fuzzing;

/// <summary>Where a fuzz case is sent, and which method.</summary>
internal enum FuzzTarget
{
    /// <summary>Sampler.Generate called on the sampler itself.</summary>
    SamplerGenerate,

    /// <summary>Sampler.Generate through the gateway (YARP forwards the bytes to a sampler).</summary>
    GatewayGenerate,

    /// <summary>Denoiser.Denoise (a bidirectional session stream) on the preferred denoiser.</summary>
    Denoise,

    /// <summary>TextEncoder.Encode.</summary>
    Encode,

    /// <summary>Decoder.Decode.</summary>
    Decode,
}
