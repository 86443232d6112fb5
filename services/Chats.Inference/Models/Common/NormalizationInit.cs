using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.Common;

/// <summary>
/// PyTorch initialises GroupNorm / LayerNorm affine parameters to weight 1, bias 0. TorchSharp 0.107 leaves
/// them uninitialised (seen here: values around 1e23 in a fresh UNet, so a randomly initialised model
/// produced NaN). Every model constructor applies this so fresh weights match PyTorch's defaults.
/// </summary>
internal static class NormalizationInit
{
    public static void Apply(nn.Module root)
    {
        using var noGrad = torch.no_grad();
        foreach (var (_, module) in root.named_modules())
        {
            switch (module)
            {
                case GroupNorm { weight: { } w } g:
                    w.fill_(1);
                    g.bias?.zero_();
                    break;
                case LayerNorm { weight: { } w } l:
                    w.fill_(1);
                    l.bias?.zero_();
                    break;
            }
        }
    }
}
