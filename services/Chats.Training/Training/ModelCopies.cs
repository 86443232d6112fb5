using Chats.Inference.Models.SD3Transformer;
using Chats.Inference.Models.UNet2DCondition;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Training.Training;

/// <summary>Copies models (θ+ and θ− start as copies of θ_ref).</summary>
internal static class ModelCopies
{
    /// <summary>A new UNet with the same config and a copy (not a view) of <paramref name="source"/>'s weights.</summary>
    public static UNet2DConditionModel Copy(UNet2DConditionModel source) => CopyWeights(source, new UNet2DConditionModel(source.Config));

    /// <summary>A new SD3 transformer with the same config and a copy of <paramref name="source"/>'s weights and buffers.</summary>
    public static SD3Transformer2DModel Copy(SD3Transformer2DModel source) => CopyWeights(source, new SD3Transformer2DModel(source.Config));

    /// <summary>Copies <paramref name="source"/>'s state dict into <paramref name="copy"/> (same architecture) and returns <paramref name="copy"/>.</summary>
    public static T CopyWeights<T>(nn.Module source, T copy)
        where T : nn.Module
    {
        var from = source.state_dict();
        using (no_grad())
        {
            foreach (var (name, tensor) in copy.state_dict())
            {
                tensor.copy_(from[name]);
            }
        }

        return copy;
    }
}
