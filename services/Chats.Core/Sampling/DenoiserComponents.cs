namespace Chats.Core.Sampling;

/// <summary>
/// The diffusers pipeline component (sub-folder and <c>model_index.json</c> key) that holds each
/// <see cref="DenoiserRole"/>'s UNet: the names the CHATS pipelines ship and the trainers write.
/// </summary>
public static class DenoiserComponents
{
    /// <summary>θ+, the <see cref="DenoiserRole.Preferred"/> model.</summary>
    public const string Preferred = "unet_win";

    /// <summary>θ−, the <see cref="DenoiserRole.Dispreferred"/> model.</summary>
    public const string Dispreferred = "unet_lose";

    /// <summary>The single UNet of a plain pipeline, the <see cref="DenoiserRole.Standard"/> model.</summary>
    public const string Standard = "unet";

    /// <summary>The component <paramref name="role"/> loads unless configured otherwise.</summary>
    public static string For(DenoiserRole role) => role switch
    {
        DenoiserRole.Preferred => Preferred,
        DenoiserRole.Dispreferred => Dispreferred,
        DenoiserRole.Standard => Standard,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "not a denoiser role"),
    };
}
