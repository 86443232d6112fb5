using System.Buffers.Binary;
using Chats.Core.Sampling;
using Chats.Core.Tensors;

namespace Chats.TextEncoder.Caching;

/// <summary>
/// Compact binary form of a conditioning for the cache: a 4-byte magic and version, the shapes, then raw
/// little-endian fp32 elements. fp32 (not fp16) so a cache hit returns exactly what a miss computed and
/// the same request gives the same image whether or not it hit.
/// </summary>
internal static class ConditioningCacheCodec
{
    private static ReadOnlySpan<byte> Magic => "CEM1"u8;

    public static byte[] Serialize(PromptConditioning conditioning)
    {
        using var stream = new MemoryStream();
        stream.Write(Magic);
        WriteTensor(stream, conditioning.HiddenStates);
        stream.WriteByte(conditioning.Pooled is null ? (byte)0 : (byte)1);
        if (conditioning.Pooled is not null)
        {
            WriteTensor(stream, conditioning.Pooled);
        }

        return stream.ToArray();
    }

    /// <summary>The conditioning, or null when the bytes are not a valid entry (treated as a miss).</summary>
    public static PromptConditioning? TryDeserialize(ReadOnlySpan<byte> bytes)
    {
        try
        {
            if (!bytes.StartsWith(Magic))
            {
                return null;
            }

            int offset = Magic.Length;
            var hidden = ReadTensor(bytes, ref offset);
            bool hasPooled = bytes[offset++] == 1;
            var pooled = hasPooled ? ReadTensor(bytes, ref offset) : null;
            return offset == bytes.Length ? new PromptConditioning(hidden, pooled) : null;
        }
        catch (Exception ex) when (ex is ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            return null;
        }
    }

    private static void WriteTensor(Stream stream, HostTensor tensor)
    {
        Span<byte> scratch = stackalloc byte[8];
        stream.WriteByte(checked((byte)tensor.Shape.Length));
        foreach (long dim in tensor.Shape)
        {
            BinaryPrimitives.WriteInt64LittleEndian(scratch, dim);
            stream.Write(scratch);
        }

        stream.Write(WireTensorCodec.EncodeElements(tensor.Data, WireDType.Float32));
    }

    private static HostTensor ReadTensor(ReadOnlySpan<byte> bytes, ref int offset)
    {
        int rank = bytes[offset++];
        var shape = new long[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            shape[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes[offset..]);
            offset += 8;
            count = checked(count * shape[i]);
        }

        int length = checked((int)count * 4);
        var data = WireTensorCodec.DecodeElements(bytes.Slice(offset, length), WireDType.Float32);
        offset += length;
        return new HostTensor(data, shape);
    }
}
