using System.Buffers.Binary;
using Chats.Core.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Chats.Inference.Tensors;

namespace Chats.Core.Tests.Tensors;

[Collection("TorchSharp")]
public sealed class TorchTensorCodecTests
{
    /// <summary>Hand-made little-endian bytes of <paramref name="values"/> (all exactly representable in every dtype).</summary>
    private static byte[] ExpectedBytes(float[] values, WireDType dtype)
    {
        int size = dtype == WireDType.Float32 ? 4 : 2;
        var bytes = new byte[values.Length * size];
        for (int i = 0; i < values.Length; i++)
        {
            uint bits = BitConverter.SingleToUInt32Bits(values[i]);
            switch (dtype)
            {
                case WireDType.Float32:
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), bits);
                    break;
                case WireDType.Float16:
                    BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(i * 2), (Half)values[i]);
                    break;
                default:
                    // Small integers have all-zero low mantissa bits: bf16 is the top half of the fp32 bits.
                    BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), (ushort)(bits >> 16));
                    break;
            }
        }

        return bytes;
    }

    [Theory]
    [InlineData(WireDType.Float32)]
    [InlineData(WireDType.Float16)]
    [InlineData(WireDType.BFloat16)]
    public void ToWire_NonContiguousView_GivesRowMajorBytesOfTheView(WireDType dtype)
    {
        using var scope = NewDisposeScope();
        // [[0, 1, 2], [3, 4, 5]]ᵀ = [[0, 3], [1, 4], [2, 5]].
        Tensor transposed = torch.arange(6, dtype: ScalarType.Float32).reshape(2, 3).t();
        Assert.False(transposed.is_contiguous());

        WireTensor wire = TorchTensorCodec.ToWire(transposed, dtype);

        Assert.Equal(dtype, wire.DType);
        Assert.Equal([3L, 2L], wire.Shape);
        Assert.Equal(ExpectedBytes([0f, 3f, 1f, 4f, 2f, 5f], dtype), wire.Data.ToArray());
    }

    [Theory]
    [InlineData(WireDType.Float32)]
    [InlineData(WireDType.Float16)]
    [InlineData(WireDType.BFloat16)]
    public void FromWire_OfToWire_EqualsTheView(WireDType dtype)
    {
        using var scope = NewDisposeScope();
        Tensor transposed = torch.arange(6, dtype: ScalarType.Float32).reshape(2, 3).t();

        Tensor back = TorchTensorCodec.FromWire(TorchTensorCodec.ToWire(transposed, dtype));

        Assert.Equal(ScalarType.Float32, back.dtype);
        Assert.Equal([3L, 2L], back.shape);
        Assert.True(back.eq(transposed).all().item<bool>(), $"{dtype}: round trip changed the values");
        // The input is still alive and unchanged after ToWire's dispose scope.
        Assert.Equal(3f, transposed[0, 1].item<float>());
    }

    [Fact]
    public void ToWire_NonContiguousHalfSourceTensor_GivesRowMajorBytes()
    {
        using var scope = NewDisposeScope();
        Tensor transposed = torch.arange(6, dtype: ScalarType.Float16).reshape(2, 3).t();

        WireTensor wire = TorchTensorCodec.ToWire(transposed, WireDType.Float16);

        Assert.Equal(ExpectedBytes([0f, 3f, 1f, 4f, 2f, 5f], WireDType.Float16), wire.Data.ToArray());
    }

    [Fact]
    public void ToWire_Float32_OfHandValues_MatchesHandBytes()
    {
        using var scope = NewDisposeScope();
        Tensor one = torch.tensor(new[] { 1f }, [1]);

        Assert.Equal([0x00, 0x00, 0x80, 0x3F], TorchTensorCodec.ToWire(one, WireDType.Float32).Data.ToArray());
        Assert.Equal([0x00, 0x3C], TorchTensorCodec.ToWire(one, WireDType.Float16).Data.ToArray());
        Assert.Equal([0x80, 0x3F], TorchTensorCodec.ToWire(one, WireDType.BFloat16).Data.ToArray());
    }

    [Theory]
    [InlineData(WireDType.Float32)]
    [InlineData(WireDType.BFloat16)]
    public void Scalar_RoundTrips(WireDType dtype)
    {
        using var scope = NewDisposeScope();
        Tensor scalar = torch.tensor(3.5f);
        Assert.Equal(0, scalar.dim());

        WireTensor wire = TorchTensorCodec.ToWire(scalar, dtype);
        Tensor back = TorchTensorCodec.FromWire(wire);

        Assert.Empty(wire.Shape);
        Assert.Equal(WireTensor.ElementSize(dtype), wire.Data.Length);
        Assert.Equal(0, back.dim());
        Assert.Equal(3.5f, back.item<float>());
    }

    [Theory]
    [InlineData(WireDType.Float32)]
    [InlineData(WireDType.Float16)]
    public void EmptyTensor_RoundTrips(WireDType dtype)
    {
        using var scope = NewDisposeScope();
        Tensor empty = torch.empty(0, 3, dtype: ScalarType.Float32);

        WireTensor wire = TorchTensorCodec.ToWire(empty, dtype);
        Tensor back = TorchTensorCodec.FromWire(wire);

        Assert.Equal([0L, 3L], wire.Shape);
        Assert.Equal(0, wire.Data.Length);
        Assert.Equal([0L, 3L], back.shape);
    }

    [Fact]
    public void FromWire_MalformedTensor_ThrowsNamingTheField()
    {
        var wire = new WireTensor(WireDType.Float32, [2, 2], new byte[8]);

        var ex = Assert.Throws<InvalidTensorException>(() => TorchTensorCodec.FromWire(wire, field: "latents"));

        Assert.Equal("latents", ex.Field);
    }

    [Fact]
    public void HostRoundTrip_KeepsValuesAndShape()
    {
        using var scope = NewDisposeScope();
        var host = new HostTensor([1f, -2f, 0.5f, 7f, 8f, 9f], [3, 2]);

        HostTensor back = TorchTensorCodec.ToHost(TorchTensorCodec.FromHost(host).t());

        // The transpose of [[1, −2], [0.5, 7], [8, 9]] row-major.
        Assert.Equal([1f, 0.5f, 8f, -2f, 7f, 9f], back.Data);
        Assert.Equal([2L, 3L], back.Shape);
    }
}
