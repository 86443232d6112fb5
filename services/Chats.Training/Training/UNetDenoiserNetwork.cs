using Chats.Inference.Models.UNet2DCondition;
using Chats.Training.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Training.Training;

/// <summary>An SD1.5-style <see cref="UNet2DConditionModel"/>: conditioned on the token embeddings only.</summary>
internal sealed class UNetDenoiserNetwork(UNet2DConditionModel unet) : DenoiserNetwork
{
    public override DenoiserFamily Family => DenoiserFamily.UNet;

    public override int? SampleSize => unet.Config.SampleSize;

    public override nn.Module Module => unet;

    public override Tensor Forward(Tensor noisy, Tensor modelTimestep, ConditioningBatch conditioning) =>
        unet.forward(noisy, modelTimestep, conditioning.PromptEmbeds);

    public override nn.Module Copy() => ModelCopies.Copy(unet);

    public override void Save(string componentDir) => unet.Save(componentDir);
}
