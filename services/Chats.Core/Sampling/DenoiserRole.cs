namespace Chats.Core.Sampling;

/// <summary>
/// Which model of a CHATS deployment a denoiser serves. Bound from configuration by name, case-insensitively
/// (<c>Denoiser:Role=Preferred</c>); <see cref="DenoiserComponents.For(DenoiserRole, Loading.DiffusersPipelineFolder)"/> gives the pipeline component each loads.
/// </summary>
public enum DenoiserRole
{
    /// <summary>θ+ (<c>unet_win</c> of a CHATS pipeline).</summary>
    Preferred,

    /// <summary>θ− (<c>unet_lose</c>).</summary>
    Dispreferred,

    /// <summary>A plain model (<c>unet</c>), the CFG arm.</summary>
    Standard,
}
