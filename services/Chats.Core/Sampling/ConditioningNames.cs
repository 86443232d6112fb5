namespace Chats.Core.Sampling;

/// <summary>
/// The names of the tensors a <see cref="PromptConditioning"/> carries, as diffusers' pipelines name the
/// arguments they pass to the denoising network. A model family declares which of them it needs; the wire
/// protocol carries any set of them, so a new family adds names, not fields.
/// </summary>
public static class ConditioningNames
{
    /// <summary>Per-token embeddings [tokens, dim]: every family (UNet cross-attention, MMDiT joint attention).</summary>
    public const string PromptEmbeds = "prompt_embeds";

    /// <summary>Pooled embedding [dim]: SDXL's <c>text_embeds</c>, SD3's <c>pooled_projections</c>.</summary>
    public const string PooledPromptEmbeds = "pooled_prompt_embeds";

    /// <summary>
    /// SDXL micro-conditioning [6] (original size, crop, target size). Added per session by the sampling loop,
    /// after guidance: it is not prompt conditioning and never enters the proxy c̃.
    /// </summary>
    public const string TimeIds = "time_ids";

    /// <summary>True for names the text encoder produces (the ones the proxy and the zero rule apply to).</summary>
    public static bool IsPromptTensor(string name) => name != TimeIds;
}
