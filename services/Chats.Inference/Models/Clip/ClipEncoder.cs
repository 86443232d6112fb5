using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.Clip;

/// <summary>transformers' <c>CLIPEncoder</c>: the stack of encoder layers.</summary>
internal sealed class ClipEncoder : nn.Module<Tensor, Tensor, (Tensor Last, Tensor Penultimate)>
{
    private readonly ModuleList<ClipEncoderLayer> layers;

    public ClipEncoder(ClipTextConfig config)
        : base(nameof(ClipEncoder))
    {
        layers = nn.ModuleList<ClipEncoderLayer>();
        for (int i = 0; i < config.NumHiddenLayers; i++)
        {
            layers.Add(new ClipEncoderLayer(config));
        }

        RegisterComponents();
    }

    /// <returns>
    /// The last layer's output (before final_layer_norm) and transformers' <c>hidden_states[-2]</c>,
    /// the input of the last layer (the embeddings when there is a single layer).
    /// </returns>
    public override (Tensor Last, Tensor Penultimate) forward(Tensor inputsEmbeds, Tensor causalMask)
    {
        using var scope = NewDisposeScope();
        Tensor hidden = inputsEmbeds.alias();
        Tensor penultimate = hidden;
        foreach (ClipEncoderLayer layer in layers)
        {
            penultimate = hidden;
            hidden = layer.forward(hidden, causalMask);
        }

        return (hidden.MoveToOuterDisposeScope(), penultimate.MoveToOuterDisposeScope());
    }
}
