using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.Clip;

/// <summary>transformers' <c>CLIPMLP</c>: fc1, activation, fc2.</summary>
internal sealed class ClipMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly ClipHiddenActivation _activation;

    public ClipMlp(ClipTextConfig config)
        : base(nameof(ClipMlp))
    {
        _activation = config.HiddenAct;
        fc1 = nn.Linear(config.HiddenSize, config.IntermediateSize);
        fc2 = nn.Linear(config.IntermediateSize, config.HiddenSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor hidden = fc1.forward(input);
        hidden = _activation switch
        {
            ClipHiddenActivation.QuickGelu => hidden * sigmoid(hidden * 1.702),
            ClipHiddenActivation.Gelu => nn.functional.gelu(hidden),
            _ => throw new InvalidOperationException($"Unknown activation {_activation}."),
        };
        return fc2.forward(hidden).MoveToOuterDisposeScope();
    }
}
