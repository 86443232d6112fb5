using static TorchSharp.torch;

namespace Chats.Inference.Models.UNet2DCondition;

/// <summary>A UNet up block: consumes <see cref="ResnetCount"/> skip connections (last first).</summary>
internal abstract class UNetUpBlock : nn.Module
{
    protected UNetUpBlock(string name)
        : base(name)
    {
    }

    /// <summary>How many skip connections the block consumes (one per resnet).</summary>
    public abstract int ResnetCount { get; }

    public abstract Tensor forward(Tensor hiddenStates, IReadOnlyList<Tensor> skips, Tensor temb, Tensor encoderHiddenStates, long[]? upsampleSize);
}
