using System.Buffers.Binary;

namespace Chats.Cli.Fuzzing;

/// <summary>
/// Raw protobuf encoding for messages the generated classes cannot write: a string field holding bytes that are not
/// UTF-8, a length that overruns the message, fields of the wrong wire type.
/// </summary>
internal static class ProtoBytes
{
    /// <summary>A length-delimited field (wire type 2) holding <paramref name="payload"/> as it is.</summary>
    public static byte[] LengthDelimited(int field, ReadOnlySpan<byte> payload)
    {
        var result = new List<byte>(payload.Length + 12);
        AppendVarint(result, ((ulong)field << 3) | 2);
        AppendVarint(result, (ulong)payload.Length);
        result.AddRange(payload.ToArray());
        return [.. result];
    }

    /// <summary>A varint field (wire type 0).</summary>
    public static byte[] Varint(int field, ulong value)
    {
        var result = new List<byte>(12);
        AppendVarint(result, (ulong)field << 3);
        AppendVarint(result, value);
        return [.. result];
    }

    /// <summary>A fixed32 field (wire type 5), e.g. a float.</summary>
    public static byte[] Fixed32(int field, uint value)
    {
        var result = new List<byte>(9);
        AppendVarint(result, ((ulong)field << 3) | 5);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        result.AddRange(bytes.ToArray());
        return [.. result];
    }

    private static void AppendVarint(List<byte> bytes, ulong value)
    {
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        bytes.Add((byte)value);
    }
}
