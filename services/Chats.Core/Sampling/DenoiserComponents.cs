using Chats.Core.Loading;

namespace Chats.Core.Sampling;

/// <summary>
/// The diffusers pipeline component (sub-folder and <c>model_index.json</c> key) that holds each
/// <see cref="DenoiserRole"/>'s network: the names the CHATS pipelines ship and the trainers write, for UNet
/// pipelines (<c>unet</c>, <c>unet_win</c>, <c>unet_lose</c>) and transformer pipelines such as SD3
/// (<c>transformer</c>, <c>transformer_win</c>, <c>transformer_lose</c>).
/// </summary>
public static class DenoiserComponents
{
    /// <summary>θ+, the <see cref="DenoiserRole.Preferred"/> model.</summary>
    public const string Preferred = "unet_win";

    /// <summary>θ−, the <see cref="DenoiserRole.Dispreferred"/> model.</summary>
    public const string Dispreferred = "unet_lose";

    /// <summary>The single UNet of a plain pipeline, the <see cref="DenoiserRole.Standard"/> model.</summary>
    public const string Standard = "unet";

    /// <summary>θ+ of a transformer pipeline.</summary>
    public const string TransformerPreferred = "transformer_win";

    /// <summary>θ− of a transformer pipeline.</summary>
    public const string TransformerDispreferred = "transformer_lose";

    /// <summary>The single transformer of a plain transformer pipeline (SD3's <c>transformer</c>).</summary>
    public const string TransformerStandard = "transformer";

    /// <summary>Every component name a denoiser role may load.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Standard, Preferred, Dispreferred, TransformerStandard, TransformerPreferred, TransformerDispreferred];

    /// <summary>The UNet component <paramref name="role"/> loads unless configured otherwise.</summary>
    public static string For(DenoiserRole role) => Candidates(role)[0];

    /// <summary>
    /// The component <paramref name="role"/> loads from <paramref name="folder"/>: the first of its
    /// <see cref="Candidates"/> the pipeline has, else the UNet name (whose absence the loader then reports).
    /// </summary>
    public static string For(DenoiserRole role, DiffusersPipelineFolder folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        return Candidates(role).FirstOrDefault(folder.HasComponent) ?? For(role);
    }

    /// <summary>The names <paramref name="role"/>'s network has in each family, UNet first.</summary>
    public static IReadOnlyList<string> Candidates(DenoiserRole role) => role switch
    {
        DenoiserRole.Preferred => [Preferred, TransformerPreferred],
        DenoiserRole.Dispreferred => [Dispreferred, TransformerDispreferred],
        DenoiserRole.Standard => [Standard, TransformerStandard],
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "not a denoiser role"),
    };

    /// <summary>True when <paramref name="folder"/> has a network for <paramref name="role"/>.</summary>
    public static bool Has(DiffusersPipelineFolder folder, DenoiserRole role)
    {
        ArgumentNullException.ThrowIfNull(folder);
        return Candidates(role).Any(folder.HasComponent);
    }
}
