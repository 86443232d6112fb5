using Chats.Training.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Training.Training;

/// <summary>
/// A trainer's view of one denoising network, whichever its family: the module (parameters, state dict, train /
/// eval), its call on (z_t, model timestep, conditioning), a fresh copy for θ+ / θ−, and saving as a diffusers
/// component. It does not own the module.
/// </summary>
internal abstract class DenoiserNetwork
{
    /// <summary>The network's family (class name, component names).</summary>
    public abstract DenoiserFamily Family { get; }

    /// <summary>The config's <c>sample_size</c> (latent side the network was trained at), or null.</summary>
    public abstract int? SampleSize { get; }

    /// <summary>The wrapped module.</summary>
    public abstract nn.Module Module { get; }

    /// <summary>The prediction for <paramref name="noisy"/> at <paramref name="modelTimestep"/> given <paramref name="conditioning"/>.</summary>
    public abstract Tensor Forward(Tensor noisy, Tensor modelTimestep, ConditioningBatch conditioning);

    /// <summary>A new module of the same config holding a copy (not a view) of the weights; the caller owns it.</summary>
    public abstract nn.Module Copy();

    /// <summary>Writes <c>config.json</c> and the fp32 weights to <paramref name="componentDir"/>.</summary>
    public abstract void Save(string componentDir);
}
