using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.SD3Transformer;

/// <summary>
/// diffusers' <c>FeedForward</c> with <c>activation_fn="gelu-approximate"</c>: net.0 = tanh-GELU projection to 4·dim,
/// net.1 = dropout (0, a no-op), net.2 = Linear(4·dim, dim).
/// </summary>
internal sealed class GeluFeedForward : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<nn.Module<Tensor, Tensor>> net;

    public GeluFeedForward(int dim, int mult = 4)
        : base(nameof(GeluFeedForward))
    {
        int inner = dim * mult;
        net = nn.ModuleList<nn.Module<Tensor, Tensor>>(new GeluProjection(dim, inner), nn.Dropout(0.0), nn.Linear(inner, dim));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var h = net[0].forward(input);
        return net[2].forward(h);
    }
}
