using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.SD3Transformer;

/// <summary>diffusers' <c>GELU</c> activation module with <c>approximate="tanh"</c>: a projection (<c>proj</c>) then tanh-approximated GELU.</summary>
internal sealed class GeluProjection : nn.Module<Tensor, Tensor>
{
    private readonly Linear proj;

    public GeluProjection(int dimIn, int dimOut)
        : base(nameof(GeluProjection))
    {
        proj = nn.Linear(dimIn, dimOut, hasBias: true);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var h = proj.forward(input);
        return nn.functional.gelu(h, GELU.Approximate.tanh);
    }
}
