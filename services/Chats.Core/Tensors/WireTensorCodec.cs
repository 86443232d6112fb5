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

    /// <summary>Encodes raw fp32 elements as <paramref name="dtype"/> bytes.</summary>
    public static byte[] EncodeElements(ReadOnlySpan<float> values, WireDType dtype)
    {
        var bytes = new byte[values.Length * WireTensor.ElementSize(dtype)];
        switch (dtype)
        {
            case WireDType.Float32:
                for (int i = 0; i < values.Length; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
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
