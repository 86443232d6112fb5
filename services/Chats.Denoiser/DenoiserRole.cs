namespace Chats.Denoiser;

/// <summary>Which model of a CHATS deployment this process serves.</summary>
public enum DenoiserRole
{
    /// <summary>θ+ (<c>unet_win</c> of a CHATS pipeline).</summary>
    Preferred,

    /// <summary>θ− (<c>unet_lose</c>).</summary>
    Dispreferred,

    /// <summary>A plain model (<c>unet</c>), the CFG arm.</summary>
    Standard,
}
