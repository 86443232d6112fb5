namespace Chats.Core.Sampling;

/// <summary>The parts of a generation an <see cref="IGenerationObserver"/> is told the duration of.</summary>
public enum GenerationPhase
{
    /// <summary>Encoding the prompt and the negative prompt (once per generation).</summary>
    Encode,

    /// <summary>One denoiser's answer to one step, from the request to its predictions (per role and step).</summary>
    DenoiserCall,

    /// <summary>One step's sampler-side math: scaling the model input, combining the predictions, the scheduler step.</summary>
    Guidance,

    /// <summary>Decoding the final latents into PNGs (once per generation).</summary>
    Decode,
}
