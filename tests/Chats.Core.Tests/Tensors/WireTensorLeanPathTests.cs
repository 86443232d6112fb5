using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Chats.Core.Tensors;

namespace Chats.Core.Tests.Tensors;

/// <summary>
/// The lean wire path's codec: fp32 encodes as one bulk copy with the bytes an element-wise little-endian writer
/// gives, fp32 wraps a host array without copying it (and is handed back as that array), 16-bit tensors round-trip,
/// and finiteness is read from the bytes in every dtype.
/// </summary>
public sealed class WireTensorLeanPathTests
{
    private static float[] Awkward()
    {
        var random = new Random(7);
        var values = new List<float> { 0f, -0f, float.Epsilon, -float.Epsilon, 1e-40f, float.MaxValue, float.MinValue, float.PositiveInfinity, float.NegativeInfinity };
        // A NaN with a payload: a bulk copy must keep every bit, not just "a NaN".
        values.Add(BitConverter.UInt32BitsToSingle(0x7FC0_1234));
        values.AddRange(Enumerable.Range(0, 1000).Select(_ => (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-8, 8)))));
        return [.. values];
    }

    [Fact]
    public void EncodeElements_Float32Bulk_EqualsElementWiseLittleEndianWrites()
    {
        float[] values = Awkward();
        var expected = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(expected.AsSpan(i * 4), values[i]);
        }

        Assert.Equal(expected, WireTensorCodec.EncodeElements(values, WireDType.Float32));
    }

    [Fact]
    public void Wrap_Float32_BytesAreTheArray_NotACopy()
    {
        float[] values = Awkward();
        var wire = WireTensorCodec.Wrap(new HostTensor(values, [values.Length]));

        Assert.Equal(WireDType.Float32, wire.DType);
        Assert.Equal(WireTensorCodec.EncodeElements(values, WireDType.Float32), wire.Data.ToArray());
        Assert.True(Unsafe.AreSame(ref MemoryMarshal.GetReference(MemoryMarshal.AsBytes(values.AsSpan())), ref MemoryMarshal.GetReference(wire.Data.Span)));
        // Aliasing, seen from the outside: a write to the array shows in the wire bytes.
        values[0] = 1f;
        Assert.Equal([0x00, 0x00, 0x80, 0x3F], wire.Data.Span[..4].ToArray());
    }

    [Fact]
    public void Wrap_Pinned_PointsAtTheArray()
    {
        float[] values = [1f, 2f, 3f];
        var wire = WireTensorCodec.Wrap(new HostTensor(values, [3]));

        using var pin = wire.Data.Pin();
        unsafe
        {
            Assert.Equal(2f, ((float*)pin.Pointer)[1]);
        }
    }

    [Fact]
    public void AsHost_OfAWrappedArray_IsThatArray_AndOfOtherBytes_ADecodedCopy()
    {
        float[] values = [1f, -2f, 0.5f, 4f];
        var wrapped = WireTensorCodec.Wrap(new HostTensor(values, [2, 2]));
        var received = new WireTensor(WireDType.Float32, [2, 2], wrapped.Data.ToArray());
        var slice = new WireTensor(WireDType.Float32, [1, 2], wrapped.Data[..8]);

        var same = WireTensorCodec.AsHost(wrapped);
        var decoded = WireTensorCodec.AsHost(received);
        var part = WireTensorCodec.AsHost(slice);

        Assert.Same(values, same.Data);
        Assert.Equal([2L, 2L], same.Shape);
        Assert.NotSame(values, decoded.Data);
        Assert.Equal(values, decoded.Data);
        Assert.Equal([1f, -2f], part.Data);
    }

    [Fact]
    public void AsHost_ChecksTheShape_LikeDecode()
    {
        var wire = WireTensorCodec.Wrap(new HostTensor([1f, 2f], [2])) with { Shape = [3] };

        var ex = Assert.Throws<InvalidTensorException>(() => WireTensorCodec.AsHost(wire, "step.latent"));

        Assert.Contains("step.latent", ex.Message, StringComparison.Ordinal);
        Assert.Contains("needs 12 bytes but 8 were sent", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(WireDType.Float16)]
    [InlineData(WireDType.BFloat16)]
    public void WrapOrEncode_16Bit_IsTheEncoding_AndRoundTripsStably(WireDType dtype)
    {
        float[] values = [.. Awkward().Where(float.IsFinite).Where(v => Math.Abs(v) < 60000f)];
        var host = new HostTensor(values, [values.Length]);

        var wire = WireTensorCodec.WrapOrEncode(host, dtype);
        var once = WireTensorCodec.AsHost(wire);
        var twice = WireTensorCodec.Encode(once, dtype);

        Assert.Equal(dtype, wire.DType);
        Assert.Equal(values.Length * 2, wire.Data.Length);
        Assert.Equal(WireTensorCodec.Encode(host, dtype).Data.ToArray(), wire.Data.ToArray());
        Assert.NotSame(values, once.Data);
        // A decoded 16-bit value is exact in 16 bits: encoding it again gives the same bytes.
        Assert.Equal(wire.Data.ToArray(), twice.Data.ToArray());
    }

    [Fact]
    public void WrapOrEncode_Float32_Wraps()
    {
        float[] values = [3f];

        var wire = WireTensorCodec.WrapOrEncode(new HostTensor(values, [1]), WireDType.Float32);

        Assert.Same(values, WireTensorCodec.AsHost(wire).Data);
    }

    [Theory]
    [InlineData(WireDType.Float32)]
    [InlineData(WireDType.Float16)]
    [InlineData(WireDType.BFloat16)]
    public void AllFinite_FindsNaNAndInfinity_WhereverTheyAre_InEveryDType(WireDType dtype)
    {
        // The largest finite values of fp16 and bf16 (and an fp32 that stays finite in both) are finite.
        float largest = dtype switch { WireDType.Float16 => 65504f, WireDType.BFloat16 => 3.3895314e38f, _ => float.MaxValue };
        float[] values = [0f, -0f, 1f, largest, -largest, 1e-6f];
        Assert.True(WireTensorCodec.AllFinite(WireTensorCodec.Encode(new HostTensor(values, [values.Length]), dtype)));

        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            for (int at = 0; at < values.Length; at++)
            {
                float[] copy = [.. values];
                copy[at] = bad;
                Assert.False(WireTensorCodec.AllFinite(WireTensorCodec.Encode(new HostTensor(copy, [copy.Length]), dtype)), $"{dtype}: {bad} at {at}");
            }
        }
    }

    [Fact]
    public void AllFinite_Float16_OverflowOnEncodeIsInfinite()
    {
        // fp32 values beyond fp16's range round to infinity on a 16-bit wire; the denoiser's check must see that.
        var wire = WireTensorCodec.Encode(new HostTensor([70000f], [1]), WireDType.Float16);

        Assert.False(WireTensorCodec.AllFinite(wire));
    }

    [Theory]
    [InlineData("float32", WireDType.Float32)]
    [InlineData(" Float16 ", WireDType.Float16)]
    [InlineData("BFLOAT16", WireDType.BFloat16)]
    public void WireDTypeNames_Parse_IsCaseInsensitive(string name, WireDType expected)
    {
        Assert.Equal(expected, WireDTypeNames.Parse(name));
        Assert.Null(WireDTypeNames.Problem(name));
        Assert.Equal(expected, WireDTypeNames.Parse(WireDTypeNames.NameOf(expected)));
    }

    [Fact]
    public void WireDTypeNames_Unknown_NamesTheValueAndTheAcceptedOnes()
    {
        Assert.Equal("'fp16' is not a wire dtype; use float32, float16, bfloat16", WireDTypeNames.Problem("fp16"));
        Assert.Throws<ArgumentException>(() => WireDTypeNames.Parse(null));
    }
}
