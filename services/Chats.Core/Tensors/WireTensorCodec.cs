using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Chats.Core.Tensors;

/// <summary>Converts between <see cref="HostTensor"/> and <see cref="WireTensor"/> in any wire dtype.</summary>
public static class WireTensorCodec
{
    /// <summary>Encodes <paramref name="tensor"/> as <paramref name="dtype"/> (round to nearest even for 16-bit types).</summary>
    public static WireTensor Encode(HostTensor tensor, WireDType dtype = WireDType.Float32)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return new WireTensor(dtype, (long[])tensor.Shape.Clone(), EncodeElements(tensor.Data, dtype));
    }

    /// <summary>Encodes raw fp32 elements as <paramref name="dtype"/> bytes (a new array; fp32 is one bulk copy).</summary>
    public static byte[] EncodeElements(ReadOnlySpan<float> values, WireDType dtype)
    {
        var bytes = new byte[values.Length * WireTensor.ElementSize(dtype)];
        switch (dtype)
        {
            case WireDType.Float32:
                if (BitConverter.IsLittleEndian)
                {
                    MemoryMarshal.AsBytes(values).CopyTo(bytes);
                }
                else
                {
                    for (int i = 0; i < values.Length; i++)
                    {
                        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
                    }
                }

                break;
            case WireDType.Float16:
                for (int i = 0; i < values.Length; i++)
                {
                    BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(i * 2), (Half)values[i]);
                }

                break;
            case WireDType.BFloat16:
                for (int i = 0; i < values.Length; i++)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), FloatToBFloat16(values[i]));
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown wire dtype");
        }

        return bytes;
    }

    /// <summary>
    /// <paramref name="tensor"/> as an fp32 wire tensor whose bytes are its array, not a copy (little-endian hosts;
    /// elsewhere a copy). The caller must not write to the array while the wire tensor (or a message wrapping it) is
    /// in use.
    /// </summary>
    public static WireTensor Wrap(HostTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!BitConverter.IsLittleEndian)
        {
            return Encode(tensor);
        }

        return new WireTensor(WireDType.Float32, (long[])tensor.Shape.Clone(), new FloatArrayMemoryManager(tensor.Data).Memory);
    }

    /// <summary>
    /// <paramref name="tensor"/> as <paramref name="dtype"/>: for fp32 wrapped without a copy (see <see cref="Wrap"/>,
    /// the same rule on writes holds), for a 16-bit dtype converted into a new array.
    /// </summary>
    public static WireTensor WrapOrEncode(HostTensor tensor, WireDType dtype)
        => dtype == WireDType.Float32 ? Wrap(tensor) : Encode(tensor, dtype);

    /// <summary>
    /// A validated wire tensor as fp32: the very array when <paramref name="tensor"/> is an fp32 tensor that wraps a
    /// whole fp32 array (see <see cref="Wrap"/>), otherwise decoded into a new one.
    /// </summary>
    public static HostTensor AsHost(WireTensor tensor, string field = "tensor")
    {
        ArgumentNullException.ThrowIfNull(tensor);
        tensor.Validate(field);
        if (tensor.DType == WireDType.Float32
            && MemoryMarshal.TryGetMemoryManager<byte, FloatArrayMemoryManager>(tensor.Data, out var manager, out int start, out int length)
            && start == 0
            && length == manager.Array.Length * sizeof(float))
        {
            return new HostTensor(manager.Array, (long[])tensor.Shape.Clone());
        }

        return Decode(tensor, field);
    }

    /// <summary>True when no element of <paramref name="tensor"/> is NaN or infinite; reads the bytes in place.</summary>
    public static bool AllFinite(WireTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var bytes = tensor.Data.Span;
        switch (tensor.DType)
        {
            case WireDType.Float32:
                if (BitConverter.IsLittleEndian)
                {
                    foreach (float v in MemoryMarshal.Cast<byte, float>(bytes))
                    {
                        if (!float.IsFinite(v))
                        {
                            return false;
                        }
                    }

                    return true;
                }

                for (int i = 0; i + 4 <= bytes.Length; i += 4)
                {
                    if (!float.IsFinite(BinaryPrimitives.ReadSingleLittleEndian(bytes[i..])))
                    {
                        return false;
                    }
                }

                return true;
            case WireDType.Float16:
                // Exponent all ones: infinity or NaN.
                return AllExponentsBelow(bytes, 0x7C00);
            case WireDType.BFloat16:
                return AllExponentsBelow(bytes, 0x7F80);
            default:
                throw new ArgumentOutOfRangeException(nameof(tensor), tensor.DType, "unknown wire dtype");
        }
    }

    /// <summary>Decodes a validated wire tensor into fp32.</summary>
    public static HostTensor Decode(WireTensor tensor, string field = "tensor")
    {
        ArgumentNullException.ThrowIfNull(tensor);
        tensor.Validate(field);
        return new HostTensor(DecodeElements(tensor.Data.Span, tensor.DType), (long[])tensor.Shape.Clone());
    }

    /// <summary>Decodes <paramref name="dtype"/> bytes into fp32 elements.</summary>
    public static float[] DecodeElements(ReadOnlySpan<byte> bytes, WireDType dtype)
    {
        int size = WireTensor.ElementSize(dtype);
        var values = new float[bytes.Length / size];
        switch (dtype)
        {
            case WireDType.Float32:
                if (BitConverter.IsLittleEndian)
                {
                    MemoryMarshal.Cast<byte, float>(bytes).CopyTo(values);
                }
                else
                {
                    for (int i = 0; i < values.Length; i++)
                    {
                        values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]);
                    }
                }

                break;
            case WireDType.Float16:
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(i * 2)..]);
                }

                break;
            case WireDType.BFloat16:
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i * 2)..]) << 16);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown wire dtype");
        }

        return values;
    }

    private static bool AllExponentsBelow(ReadOnlySpan<byte> bytes, ushort exponentMask)
    {
        for (int i = 0; i + 2 <= bytes.Length; i += 2)
        {
            if ((BinaryPrimitives.ReadUInt16LittleEndian(bytes[i..]) & exponentMask) == exponentMask)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Round-to-nearest-even fp32 → bf16, as torch converts; NaN stays NaN.</summary>
    internal static ushort FloatToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x40);
        }

        uint rounding = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }
}
