using System.Buffers.Binary;
using Chats.Core.Tensors;

namespace Chats.Core.Tests.Tensors;

public sealed class WireTensorCodecTests
{
    [Fact]
    public void Float32_RoundTrip_IsBitExact()
    {
        float[] values = [0f, -0f, 1f, -1.5f, 3.14159265f, float.Epsilon, float.MaxValue, float.MinValue, 1e-30f, float.PositiveInfinity, float.NaN];
        var tensor = new HostTensor(values, [values.Length]);

        HostTensor decoded = WireTensorCodec.Decode(WireTensorCodec.Encode(tensor, WireDType.Float32));

        Assert.Equal([(long)values.Length], decoded.Shape);
        Assert.Equal(values.Select(BitConverter.SingleToUInt32Bits), decoded.Data.Select(BitConverter.SingleToUInt32Bits));
    }

    [Theory]
    [InlineData(WireDType.Float16)]
    [InlineData(WireDType.BFloat16)]
    public void HalfPrecision_RepresentableValues_RoundTripExactly(WireDType dtype)
    {
        float[] values = [1.5f, -2f, 0.25f, 0f, 1f, -0.5f, 3f, 96f];

        float[] decoded = WireTensorCodec.Decode(WireTensorCodec.Encode(new HostTensor(values, [2, 4]), dtype)).Data;

        Assert.Equal(values, decoded);
    }

    [Theory]
    [InlineData(WireDType.Float16, 11)] // 10 stored mantissa bits: relative error ≤ 2^-11 for normal values
    [InlineData(WireDType.BFloat16, 8)] // 7 stored mantissa bits: relative error ≤ 2^-8
    public void HalfPrecision_RoundTrip_WithinHalfAnUlp(WireDType dtype, int halfUlpExponent)
    {
        float[] values = [0.1f, -0.3333333f, 3.14159265f, 123.456f, -0.007f, 1.0009765f];
        double bound = Math.Pow(2, -halfUlpExponent);

        float[] decoded = WireTensorCodec.Decode(WireTensorCodec.Encode(new HostTensor(values, [values.Length]), dtype)).Data;

        for (int i = 0; i < values.Length; i++)
        {
            double relative = Math.Abs(decoded[i] - (double)values[i]) / Math.Abs(values[i]);
            Assert.True(relative <= bound, $"{dtype}: {values[i]} → {decoded[i]} (relative error {relative} > {bound})");
        }
    }

    [Fact]
    public void One_HasLittleEndianBytes_InEveryDType()
    {
        Assert.Equal([0x00, 0x00, 0x80, 0x3F], WireTensorCodec.EncodeElements([1f], WireDType.Float32));
        Assert.Equal([0x00, 0x3C], WireTensorCodec.EncodeElements([1f], WireDType.Float16));
        Assert.Equal([0x80, 0x3F], WireTensorCodec.EncodeElements([1f], WireDType.BFloat16));
    }

    [Fact]
    public void DecodeElements_HandWrittenBytes_GiveOne()
    {
        Assert.Equal([1f, -2f], WireTensorCodec.DecodeElements([0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0], WireDType.Float32));
        Assert.Equal([1f, -2f], WireTensorCodec.DecodeElements([0x00, 0x3C, 0x00, 0xC0], WireDType.Float16));
        Assert.Equal([1f, -2f], WireTensorCodec.DecodeElements([0x80, 0x3F, 0x00, 0xC0], WireDType.BFloat16));
    }

    [Theory]
    // 1 + 2^-8 = 0x3F808000: exactly halfway between bf16 0x3F80 and 0x3F81; ties go to the even 0x3F80.
    [InlineData(0x3F808000u, (ushort)0x3F80)]
    // 1 + 3·2^-8 = 0x3F818000: halfway between 0x3F81 and 0x3F82; ties go to the even 0x3F82 (rounds up).
    [InlineData(0x3F818000u, (ushort)0x3F82)]
    // Just above the first tie: nearest is 0x3F81.
    [InlineData(0x3F808001u, (ushort)0x3F81)]
    // Just below the second tie: nearest is 0x3F81.
    [InlineData(0x3F817FFFu, (ushort)0x3F81)]
    // −(1 + 2^-8): sign does not change the tie rule.
    [InlineData(0xBF808000u, (ushort)0xBF80)]
    public void BFloat16_RoundsToNearestEven(uint floatBits, ushort expectedBits)
    {
        byte[] bytes = WireTensorCodec.EncodeElements([BitConverter.UInt32BitsToSingle(floatBits)], WireDType.BFloat16);

        Assert.Equal(expectedBits, BinaryPrimitives.ReadUInt16LittleEndian(bytes));
    }

    [Fact]
    public void BFloat16_NaN_StaysNaN()
    {
        // A NaN whose payload lives only in the low 16 bits would become infinity if truncated.
        float nan = BitConverter.UInt32BitsToSingle(0x7F800001u);

        float[] decoded = WireTensorCodec.DecodeElements(WireTensorCodec.EncodeElements([nan, float.NaN], WireDType.BFloat16), WireDType.BFloat16);

        Assert.True(float.IsNaN(decoded[0]));
        Assert.True(float.IsNaN(decoded[1]));
    }

    [Fact]
    public void Float16_RoundsToNearestEven()
    {
        // 1 + 2^-11 is halfway between 1 (0x3C00) and 1 + 2^-10 (0x3C01): the even 0x3C00 wins.
        byte[] bytes = WireTensorCodec.EncodeElements([1f + MathF.Pow(2, -11)], WireDType.Float16);

        Assert.Equal([0x00, 0x3C], bytes);
    }

    [Fact]
    public void Encode_KeepsShape_AndCopiesIt()
    {
        long[] shape = [2, 1, 3];
        var tensor = new HostTensor(new float[6], shape);

        WireTensor wire = WireTensorCodec.Encode(tensor, WireDType.Float16);
        shape[0] = 99;

        Assert.Equal([2L, 1L, 3L], wire.Shape);
        Assert.Equal(12, wire.Data.Length);
        Assert.Equal(WireDType.Float16, wire.DType);
    }

    [Fact]
    public void Decode_InvalidTensor_ThrowsNamingTheField()
    {
        var wire = new WireTensor(WireDType.Float32, [2, 2], new byte[15]);

        var ex = Assert.Throws<InvalidTensorException>(() => WireTensorCodec.Decode(wire, "latents"));

        Assert.Equal("latents", ex.Field);
    }
}
