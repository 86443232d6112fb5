using Chats.Inference.Models.UNet2DCondition;
using Chats.Training.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Training.Training;

/// <summary>
/// A <see cref="UNet2DConditionModel"/>: SD1.5-style, conditioned on the token embeddings only; or SDXL-style
/// (<c>addition_embed_type</c> <c>text_time</c>), which also takes the pooled embedding (<c>text_embeds</c>) and the
/// time ids, as diffusers' <c>added_cond_kwargs</c>.
/// </summary>
internal sealed class UNetDenoiserNetwork(UNet2DConditionModel unet) : DenoiserNetwork
{
    /// <summary>diffusers' <c>addition_embed_type</c> of SDXL's pooled-embedding and time-id conditioning.</summary>
    public const string TextTimeEmbedType = "text_time";

    public override DenoiserFamily Family => DenoiserFamily.UNet;

    public override int? SampleSize => unet.Config.SampleSize;

    public override nn.Module Module => unet;

    public override Tensor Forward(Tensor noisy, Tensor modelTimestep, ConditioningBatch conditioning)
    {
        if (unet.Config.AdditionEmbedType != TextTimeEmbedType)
        {
            return unet.forward(noisy, modelTimestep, conditioning.PromptEmbeds);
        }

        // Refused here, naming what is missing, rather than left to the UNet: a batch encoded for SD1.5 (one text
        // encoder, no pooled embedding) or without time ids must not reach an SDXL UNet.
        if (conditioning.PooledPromptEmbeds is not { } pooled || conditioning.TimeIds is not { } timeIds)
        {
            string[] missing = [.. new[] { ConditioningBatch.PooledPromptEmbedsName, ConditioningBatch.TimeIdsName }.Where(n => !conditioning.Tensors.ContainsKey(n))];
            throw new ArgumentException(
                $"an SDXL UNet ({TextTimeEmbedType}) needs '{string.Join("' and '", missing)}' too (the conditioning has: {conditioning})",
                nameof(conditioning));
        }

        return unet.forward(noisy, modelTimestep, conditioning.PromptEmbeds, pooled, timeIds);
    }

    public override nn.Module Copy() => ModelCopies.Copy(unet);

    public override void Save(string componentDir) => unet.Save(componentDir);
}
