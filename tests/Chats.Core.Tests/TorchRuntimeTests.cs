using TorchSharp;

namespace Chats.Core.Tests;

public sealed class TorchRuntimeTests
{
    [Fact]
    public void NativeLibrary_Loads_AndComputesMatmul()
    {
        using var a = torch.ones(4, 3);
        using var b = torch.ones(3, 2);
        using var c = torch.matmul(a, b);
        Assert.Equal(3f, c[0, 0].item<float>());
    }
}
