namespace Chats.Inference.Models.Clip;

/// <summary>The MLP activation of a CLIP text encoder (<c>hidden_act</c> in config.json).</summary>
public enum ClipHiddenActivation
{
    /// <summary><c>quick_gelu</c>: x·σ(1.702x), used by OpenAI's CLIP (SD 1.x, SDXL's first encoder).</summary>
    QuickGelu,

    /// <summary><c>gelu</c>: the exact (erf) GELU, used by OpenCLIP bigG (SDXL's second encoder).</summary>
    Gelu,
}
