using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.SD3Transformer;

/// <summary>diffusers' <c>PixArtAlphaTextProjection</c> with SiLU (SD3's pooled-prompt projection): linear_1, SiLU, linear_2.</summary>
internal sealed class PixArtAlphaTextProjection : nn.Module<Tensor, Tensor>
{
    private readonly Linear linear_1;
    private readonly Linear linear_2;

    public PixArtAlphaTextProjection(int inFeatures, int hiddenSize)
        : base(nameof(PixArtAlphaTextProjection))
    {
        linear_1 = nn.Linear(inFeatures, hiddenSize);
        linear_2 = nn.Linear(hiddenSize, hiddenSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor caption)
    {
        using var h = linear_1.forward(caption);
        using var a = nn.functional.silu(h);
        return linear_2.forward(a);
    }
}
