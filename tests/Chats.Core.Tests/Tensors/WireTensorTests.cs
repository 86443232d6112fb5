using Chats.Core.Tensors;

namespace Chats.Core.Tests.Tensors;

public sealed class WireTensorTests
{
    [Theory]
    [InlineData(WireDType.Float32, 23)]
    [InlineData(WireDType.Float32, 25)]
    [InlineData(WireDType.Float32, 12)] // an fp16 byte count for an fp32 tensor
    [InlineData(WireDType.Float16, 24)] // an fp32 byte count for an fp16 tensor
    [InlineData(WireDType.BFloat16, 0)]
    public void Validate_WrongByteCount_ThrowsNamingTheField(WireDType dtype, int byteCount)
    {
        var wire = new WireTensor(dtype, [2, 3], new byte[byteCount]);

        var ex = Assert.Throws<InvalidTensorException>(() => wire.Validate("noise_pred"));

        Assert.Equal("noise_pred", ex.Field);
        Assert.Equal("noise_pred", ex.ParamName);
        Assert.StartsWith("noise_pred", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NegativeDimension_Throws()
    {
        var wire = new WireTensor(WireDType.Float32, [-1, 3], Array.Empty<byte>());

        var ex = Assert.Throws<InvalidTensorException>(() => wire.Validate("latents"));

        Assert.Equal("latents", ex.Field);
    }

    [Fact]
    public void Validate_TwoNegativeDimensionsWhoseProductMatchesTheBytes_Throws()
    {
        // (−2)·(−3)·4 = 24 bytes: only the explicit sign check can catch this.
        var wire = new WireTensor(WireDType.Float32, [-2, -3], new byte[24]);

        var ex = Assert.Throws<InvalidTensorException>(() => wire.Validate("latents"));

        Assert.Equal("latents", ex.Field);
    }

    [Fact]
    public void Validate_OverflowingShape_Throws()
    {
        var wire = new WireTensor(WireDType.Float32, [long.MaxValue, 2], Array.Empty<byte>());

        var ex = Assert.Throws<InvalidTensorException>(() => wire.Validate("latents"));

        Assert.Equal("latents", ex.Field);
    }

    [Fact]
    public void Validate_UndefinedDType_Throws()
    {
        var wire = new WireTensor((WireDType)7, [1], new byte[4]);

        var ex = Assert.Throws<InvalidTensorException>(() => wire.Validate("latents"));

        Assert.Equal("latents", ex.Field);
    }

    [Theory]
    [InlineData(WireDType.Float32, new long[] { 2, 3 }, 24)]
    [InlineData(WireDType.Float16, new long[] { 2, 3 }, 12)]
    [InlineData(WireDType.BFloat16, new long[] { 4 }, 8)]
    [InlineData(WireDType.Float32, new long[0], 4)] // scalar: one element
    [InlineData(WireDType.Float16, new long[] { 0, 5 }, 0)] // empty
    public void Validate_ConsistentTensor_DoesNotThrow(WireDType dtype, long[] shape, int byteCount)
    {
        var wire = new WireTensor(dtype, shape, new byte[byteCount]);

        wire.Validate("latents");

        Assert.Equal(byteCount / WireTensor.ElementSize(dtype), wire.ElementCount);
    }
}
