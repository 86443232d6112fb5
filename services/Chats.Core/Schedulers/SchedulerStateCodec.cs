using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Chats.Core.Schedulers;

/// <summary>
/// The binary form of <see cref="SchedulerState"/>, version 1, all little-endian:
/// <code>
/// offset  size       field
///  0      4          magic "CSST" (43 53 53 54)
///  4      1          version = 1
///  5      1          kind (SchedulerKind as a byte)
///  6      1          flags: bit 0 μ present, bit 1 custom sigmas present; other bits 0
///  7      4          int32 NumInferenceSteps
/// 11      4          int32 StepIndex
/// 15      4          int32 history entry count H
/// 19      4          int32 floats per history entry L (0 when H = 0)
/// 23      8          float64 μ                        (only with flag bit 0)
///  …      4·N        float32 custom sigmas, N = NumInferenceSteps (only with flag bit 1)
///  …      4·H·L      float32 history, entry after entry
/// </code>
/// Floats are stored as their IEEE bit patterns, so NaN payloads and −0 survive. Nothing may follow the last field.
/// </summary>
internal static class SchedulerStateCodec
{
    private const byte Version = 1;
    private const byte MuFlag = 1;
    private const byte CustomSigmasFlag = 2;
    private const int HeaderLength = 23;

    private static ReadOnlySpan<byte> Magic => "CSST"u8;

    public static byte[] Encode(SchedulerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        float[][] history = state.HistoryArrays;
        float[] customSigmas = state.CustomSigmasArray;
        int entryLength = history.Length == 0 ? 0 : history[0].Length;
        long length = ExpectedLength(state.Mu is not null, customSigmas.Length, history.Length, entryLength);
        if (length > Array.MaxLength)
        {
            throw new InvalidOperationException($"The state needs {length} bytes, more than one array holds.");
        }

        var data = new byte[length];
        Span<byte> span = data;
        Magic.CopyTo(span);
        span[4] = Version;
        span[5] = (byte)state.Kind;
        span[6] = (byte)((state.Mu is null ? 0 : MuFlag) | (customSigmas.Length == 0 ? 0 : CustomSigmasFlag));
        BinaryPrimitives.WriteInt32LittleEndian(span[7..], state.NumInferenceSteps);
        BinaryPrimitives.WriteInt32LittleEndian(span[11..], state.StepIndex);
        BinaryPrimitives.WriteInt32LittleEndian(span[15..], history.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span[19..], entryLength);
        int offset = HeaderLength;
        if (state.Mu is double mu)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(span[offset..], mu);
            offset += sizeof(double);
        }

        offset += WriteFloats(customSigmas, span[offset..]);
        foreach (float[] entry in history)
        {
            offset += WriteFloats(entry, span[offset..]);
        }

        return data;
    }

    public static SchedulerState Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length < HeaderLength)
        {
            throw new InvalidDataException(
                $"A scheduler state needs at least {HeaderLength} bytes of header; got {data.Length}.");
        }

        if (!data[..4].SequenceEqual(Magic))
        {
            throw new InvalidDataException("These bytes are not a scheduler state (the magic \"CSST\" is missing).");
        }

        if (data[4] != Version)
        {
            throw new InvalidDataException($"Scheduler state version {data[4]} is not supported; this build reads version {Version}.");
        }

        var kind = (SchedulerKind)data[5];
        if (!Enum.IsDefined(kind))
        {
            throw new InvalidDataException($"Unknown scheduler kind {data[5]} in a scheduler state.");
        }

        byte flags = data[6];
        if ((flags & ~(MuFlag | CustomSigmasFlag)) != 0)
        {
            throw new InvalidDataException($"Unknown flags 0x{flags:x2} in a scheduler state.");
        }

        int steps = BinaryPrimitives.ReadInt32LittleEndian(data[7..]);
        int stepIndex = BinaryPrimitives.ReadInt32LittleEndian(data[11..]);
        int entryCount = BinaryPrimitives.ReadInt32LittleEndian(data[15..]);
        int entryLength = BinaryPrimitives.ReadInt32LittleEndian(data[19..]);
        if (steps < 1 || entryCount < 0 || entryLength < 0 || (entryCount == 0) != (entryLength == 0))
        {
            throw new InvalidDataException(
                $"Invalid scheduler state counts: {steps} steps, {entryCount} history entries of {entryLength} floats.");
        }

        // Sizes are checked against the bytes at hand before anything is allocated, so a corrupt count
        // cannot ask for gigabytes.
        bool hasMu = (flags & MuFlag) != 0;
        int customSigmaCount = (flags & CustomSigmasFlag) != 0 ? steps : 0;
        if ((long)entryCount * entryLength > int.MaxValue)
        {
            throw new InvalidDataException(
                $"The scheduler state is truncated: its header describes {entryCount} × {entryLength} history floats, but only {data.Length} bytes are present.");
        }

        long expected = ExpectedLength(hasMu, customSigmaCount, entryCount, entryLength);
        if (data.Length != expected)
        {
            throw new InvalidDataException(data.Length < expected
                ? $"The scheduler state is truncated: its header describes {expected} bytes, but only {data.Length} are present."
                : $"The scheduler state has {data.Length - expected} unexpected trailing bytes after its {expected} bytes.");
        }

        int offset = HeaderLength;
        double? mu = null;
        if (hasMu)
        {
            mu = BinaryPrimitives.ReadDoubleLittleEndian(data[offset..]);
            offset += sizeof(double);
        }

        float[] customSigmas = ReadFloats(data, ref offset, customSigmaCount);
        var history = new float[entryCount][];
        for (int i = 0; i < entryCount; i++)
        {
            history[i] = ReadFloats(data, ref offset, entryLength);
        }

        try
        {
            return SchedulerState.Owning(kind, steps, stepIndex, history, mu, customSigmas);
        }
        catch (ArgumentException exception)
        {
            throw new InvalidDataException($"The bytes describe an invalid scheduler state: {exception.Message}", exception);
        }
    }

    private static long ExpectedLength(bool hasMu, int customSigmaCount, int entryCount, int entryLength) =>
        HeaderLength + (hasMu ? sizeof(double) : 0) + (sizeof(float) * (customSigmaCount + ((long)entryCount * entryLength)));

    private static int WriteFloats(float[] values, Span<byte> destination)
    {
        int length = values.Length * sizeof(float);
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(destination);
        }
        else
        {
            for (int i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(destination[(i * sizeof(float))..], values[i]);
            }
        }

        return length;
    }

    private static float[] ReadFloats(ReadOnlySpan<byte> data, ref int offset, int count)
    {
        var values = new float[count];
        ReadOnlySpan<byte> source = data.Slice(offset, count * sizeof(float));
        if (BitConverter.IsLittleEndian)
        {
            source.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        }
        else
        {
            for (int i = 0; i < count; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(i * sizeof(float))..]);
            }
        }

        offset += source.Length;
        return values;
    }
}
