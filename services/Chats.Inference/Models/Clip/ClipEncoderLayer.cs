using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.Clip;

/// <summary>transformers' <c>CLIPEncoderLayer</c>: pre-norm attention and MLP blocks with residuals.</summary>
internal sealed class ClipEncoderLayer : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly ClipAttention self_attn;
    private readonly LayerNorm layer_norm1;
    private readonly ClipMlp mlp;
    private readonly LayerNorm layer_norm2;

    public ClipEncoderLayer(ClipTextConfig config)
        : base(nameof(ClipEncoderLayer))
    {
        self_attn = new ClipAttention(config);
        layer_norm1 = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        mlp = new ClipMlp(config);
        layer_norm2 = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hiddenStates, Tensor causalMask)
    {
        using var scope = NewDisposeScope();
        Tensor afterAttention = hiddenStates + self_attn.forward(layer_norm1.forward(hiddenStates), causalMask);
        Tensor output = afterAttention + mlp.forward(layer_norm2.forward(afterAttention));
        return output.MoveToOuterDisposeScope();
    }
}
