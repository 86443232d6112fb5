using Chats.Inference.Models.UNet2DCondition;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Training.Training;

/// <summary>Copies models (θ+ and θ− start as copies of θ_ref).</summary>
internal static class ModelCopies
{
    /// <summary>A new UNet with the same config and a copy (not a view) of <paramref name="source"/>'s weights.</summary>
    public static UNet2DConditionModel Copy(UNet2DConditionModel source)
    {
        var copy = new UNet2DConditionModel(source.Config);
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
