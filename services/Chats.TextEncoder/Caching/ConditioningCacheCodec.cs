using System.Buffers.Binary;
using Chats.Core.Sampling;
using Chats.Core.Tensors;

namespace Chats.TextEncoder.Caching;

/// <summary>
/// Compact binary form of a conditioning for the cache: a 4-byte magic and version, the count of named tensors,
/// then per tensor its name (a length byte and ASCII), its shape and its raw little-endian fp32 elements.
/// Entries of the older unnamed form (magic CEM1) read as misses and are overwritten. fp32 (not fp16) so a cache hit returns exactly what a miss computed and
/// the same request gives the same image whether or not it hit.
/// </summary>
internal static class ConditioningCacheCodec
{
    private static ReadOnlySpan<byte> Magic => "CEM2"u8;

    public static byte[] Serialize(PromptConditioning conditioning)
    {
        using var stream = new MemoryStream();
        stream.Write(Magic);
        stream.WriteByte(checked((byte)conditioning.Tensors.Count));
        foreach (var (name, tensor) in conditioning.Tensors)
        {
            byte[] ascii = System.Text.Encoding.ASCII.GetBytes(name);
            stream.WriteByte(checked((byte)ascii.Length));
            stream.Write(ascii);
            WriteTensor(stream, tensor);
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
            int count = bytes[offset++];
            var tensors = new Dictionary<string, HostTensor>(StringComparer.Ordinal);
            for (int i = 0; i < count; i++)
            {
                int length = bytes[offset++];
                string name = System.Text.Encoding.ASCII.GetString(bytes.Slice(offset, length));
                offset += length;
                if (!tensors.TryAdd(name, ReadTensor(bytes, ref offset)))
                {
                    return null;
                }
            }

            return offset == bytes.Length && tensors.ContainsKey(ConditioningNames.PromptEmbeds) ? new PromptConditioning(tensors) : null;
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
