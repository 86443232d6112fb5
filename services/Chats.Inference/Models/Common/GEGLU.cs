using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.Common;

/// <summary>diffusers' <c>GEGLU</c>: a projection to twice the width, split into value and gate, value * gelu(gate).</summary>
internal sealed class GEGLU : nn.Module<Tensor, Tensor>
{
    private readonly Linear proj;

    public GEGLU(int dimIn, int dimOut)
        : base(nameof(GEGLU))
    {
        proj = nn.Linear(dimIn, dimOut * 2);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var chunks = proj.forward(input).chunk(2, dim: -1);
        return (chunks[0] * nn.functional.gelu(chunks[1])).MoveToOuterDisposeScope();
    }
}
