using Chats.Core.Sampling;
using Chats.Core.Tensors;
using Chats.Inference.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Core.Tests.Tensors;

/// <summary>
/// The torch end of the lean wire path: outputs leave as wire bytes converted by torch (bit-equal to the managed
/// encoder), fp32 ones in an array the host view takes over uncopied, and 16-bit inputs enter torch exactly.
/// </summary>
[Collection("TorchSharp")]
public sealed class TorchWirePathTests
{
    private static float[] Values(int n, ulong seed) => [.. GaussianNoise.Sample(n, seed).Select(v => v * 3f)];

    [Fact]
    public void ToWire_Float32_IsOneArray_TheHostViewTakesOverUncopied()
    {
        using var scope = NewDisposeScope();
        float[] values = Values(96, 1);
        var tensor = torch.tensor(values, [2, 3, 16]);

        var wire = TorchTensorCodec.ToWire(tensor.narrow(0, 1, 1));
        var host = WireTensorCodec.AsHost(wire);

        Assert.Same(host.Data, WireTensorCodec.AsHost(wire).Data);
        Assert.Equal(values[48..], host.Data);
        Assert.Equal([1L, 3, 16], host.Shape);
    }

    [Theory]
    [InlineData(WireDType.Float16)]
    [InlineData(WireDType.BFloat16)]
    public void ToWire_16Bit_ConvertedByTorch_IsBitEqualToTheManagedEncoder(WireDType dtype)
    {
        using var scope = NewDisposeScope();
        float[] values = Values(4096, 2);
        // Ties and values near the ends of the range exercise the rounding, not just typical activations.
        values[0] = 1f + (1f / 2048f);
        values[1] = 1f + (3f / 2048f);
        values[2] = 65519f;
        values[3] = 1e-7f;
        var tensor = torch.tensor(values, [4, 1024]);

        var wire = TorchTensorCodec.ToWire(tensor, dtype);

        Assert.Equal(dtype, wire.DType);
        Assert.Equal(WireTensorCodec.Encode(new HostTensor(values, [4, 1024]), dtype).Data.ToArray(), wire.Data.ToArray());
    }

    [Theory]
    [InlineData(WireDType.Float16)]
    [InlineData(WireDType.BFloat16)]
    public void FromWire_16Bit_IntoFloat32_IsTheDecodedValues(WireDType dtype)
    {
        using var scope = NewDisposeScope();
        var wire = WireTensorCodec.Encode(new HostTensor(Values(64, 3), [4, 16]), dtype);

        var tensor = TorchTensorCodec.FromWire(wire, ScalarType.Float32);

        Assert.Equal(ScalarType.Float32, tensor.dtype);
        Assert.Equal(WireTensorCodec.Decode(wire).Data, tensor.data<float>().ToArray());
    }
}
