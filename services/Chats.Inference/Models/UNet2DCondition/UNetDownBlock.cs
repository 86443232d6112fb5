using static TorchSharp.torch;

namespace Chats.Inference.Models.UNet2DCondition;

/// <summary>A UNet down block: returns the new hidden states and the skip connections it produced, in order.</summary>
internal abstract class UNetDownBlock : nn.Module
{
    protected UNetDownBlock(string name)
        : base(name)
    {
    }

    public abstract (Tensor Hidden, IReadOnlyList<Tensor> Skips) forward(Tensor hiddenStates, Tensor temb, Tensor encoderHiddenStates);
}
