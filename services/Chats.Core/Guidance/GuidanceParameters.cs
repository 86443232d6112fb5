namespace Chats.Core.Guidance;

/// <summary>Validated guidance settings of one generation.</summary>
/// <param name="Mode">How predictions are combined.</param>
/// <param name="Scale">s in the paper's convention (diffusers' w = s + 1).</param>
/// <param name="Alpha">CHATS α (ignored by CFG).</param>
public sealed record GuidanceParameters(GuidanceMode Mode, float Scale, float Alpha)
{
    /// <summary>The paper's defaults: s = 5, α = 0.5.</summary>
    public const float DefaultScale = 5f;

    /// <inheritdoc cref="DefaultScale"/>
    public const float DefaultAlpha = 0.5f;
}
