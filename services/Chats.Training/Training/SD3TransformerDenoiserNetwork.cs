using Chats.Inference.Models.SD3Transformer;
using Chats.Training.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Training.Training;

/// <summary>
/// An <see cref="SD3Transformer2DModel"/>: conditioned on the token embeddings (joint attention) and the pooled
/// embedding (pooled projections); called at the flow-matching model timestep t·1000, as diffusers' SD3 training does.
/// </summary>
internal sealed class SD3TransformerDenoiserNetwork(SD3Transformer2DModel transformer) : DenoiserNetwork
{
    public override DenoiserFamily Family => DenoiserFamily.SD3Transformer;

    public override int? SampleSize => transformer.Config.SampleSize;

    public override nn.Module Module => transformer;

    public override Tensor Forward(Tensor noisy, Tensor modelTimestep, ConditioningBatch conditioning) =>
        transformer.forward(
            noisy,
            modelTimestep,
            conditioning.PromptEmbeds,
            conditioning.PooledPromptEmbeds
                ?? throw new ArgumentException($"an SD3 transformer needs '{ConditioningBatch.PooledPromptEmbedsName}' (the conditioning has: {conditioning})", nameof(conditioning)));

    public override nn.Module Copy() => ModelCopies.Copy(transformer);

    public override void Save(string componentDir) => transformer.Save(componentDir);
}
