using System.Buffers.Binary;
using System.Text;
using Chats.Core.Guidance;
using Chats.Core.Schedulers;
using Chats.Core.Tensors;

namespace Chats.Core.Sampling;

/// <summary>
/// The exact binary form of a <see cref="GenerationState"/>, for storing it (Redis, a file) or sending it in a
/// protobuf <c>bytes</c> field. Floats are written as their bits, so a decoded state continues bitwise like the
/// original.
/// </summary>
/// <remarks>
/// Layout (version 2, little-endian): "CGST", version byte; generation id, prompt, negative prompt (UTF-8 with an
/// int32 length); width, height, steps (int32); seed (uint64); mode (byte), s, α (float32); scheduler kind (byte);
/// num_images (int32); the conditional then the unconditional conditioning (the count of its named tensors (int32),
/// then per tensor in ordinal name order its name (string) and the tensor); step index (int32); latents (tensor); the scheduler state (int32 length, then
/// <see cref="SchedulerState.ToBytes"/>). A tensor is its rank (int32), its dimensions (int64 each), then its
/// elements (float32). Nothing may follow. (Version 1, before named conditionings, is not read: states live only as
/// long as a generation.)
/// </remarks>
public static class GenerationStateCodec
{
    private const byte Version = 2;
    private const int MaxConditioningTensors = 64;
    private static readonly byte[] Magic = "CGST"u8.ToArray();

    // A bound on any single length field, so a corrupt header cannot make the reader allocate gigabytes before
    // it notices the input is short.
    private const int MaxRank = 8;

    /// <summary>Encodes <paramref name="state"/>.</summary>
    public static byte[] ToBytes(GenerationState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(Version);
            WriteString(w, state.GenerationId);
            var spec = state.Spec;
            WriteString(w, spec.Prompt);
            WriteString(w, spec.NegativePrompt);
            w.Write(spec.Width);
            w.Write(spec.Height);
            w.Write(spec.Steps);
            w.Write(spec.Seed);
            w.Write((byte)spec.Guidance.Mode);
            w.Write(spec.Guidance.Scale);
            w.Write(spec.Guidance.Alpha);
            w.Write((byte)spec.Scheduler);
            w.Write(spec.NumImages);
            WriteConditioning(w, state.Conditional);
            WriteConditioning(w, state.Unconditional);
            w.Write(state.StepIndex);
            WriteTensor(w, state.Latents);
            byte[] scheduler = state.Scheduler.ToBytes();
            w.Write(scheduler.Length);
            w.Write(scheduler);
        }

        return stream.ToArray();
    }

    /// <summary>Decodes what <see cref="ToBytes"/> wrote.</summary>
    /// <exception cref="InvalidDataException">The bytes are truncated, of another version, or inconsistent.</exception>
    public static GenerationState FromBytes(ReadOnlySpan<byte> data)
    {
        var reader = new Reader(data.ToArray());
        if (!reader.Bytes(Magic.Length).AsSpan().SequenceEqual(Magic))
        {
            throw new InvalidDataException("not a generation state (magic 'CGST' missing)");
        }

        byte version = reader.Byte();
        if (version != Version)
        {
            throw new InvalidDataException($"generation state version {version} is not supported (expected {Version})");
        }

        string generationId = reader.String();
        string prompt = reader.String();
        string negativePrompt = reader.String();
        int width = reader.Int32(), height = reader.Int32(), steps = reader.Int32();
        ulong seed = reader.UInt64();
        var mode = (GuidanceMode)reader.Byte();
        float scale = reader.Single(), alpha = reader.Single();
        var schedulerKind = (SchedulerKind)reader.Byte();
        int numImages = reader.Int32();
        if (!Enum.IsDefined(mode) || !Enum.IsDefined(schedulerKind))
        {
            throw new InvalidDataException($"unknown guidance mode {(int)mode} or scheduler kind {(int)schedulerKind}");
        }

        var conditional = ReadConditioning(reader);
        var unconditional = ReadConditioning(reader);
        int stepIndex = reader.Int32();
        var latents = ReadTensor(reader);
        int schedulerLength = reader.Int32();
        SchedulerState scheduler;
        try
        {
            scheduler = SchedulerState.FromBytes(reader.Bytes(schedulerLength));
        }
        catch (ArgumentException ex)
        {
            throw new InvalidDataException($"scheduler state: {ex.Message}", ex);
        }

        if (!reader.AtEnd)
        {
            throw new InvalidDataException($"{reader.Remaining} unexpected bytes after the generation state");
        }

        if (stepIndex < 0 || stepIndex > scheduler.NumInferenceSteps || scheduler.StepIndex != stepIndex)
        {
            throw new InvalidDataException($"step index {stepIndex} disagrees with the scheduler state (step {scheduler.StepIndex} of {scheduler.NumInferenceSteps})");
        }

        if (latents.Shape.Length != 4 || latents.Shape[0] != numImages)
        {
            throw new InvalidDataException($"latents of shape [{string.Join(", ", latents.Shape)}] do not hold {numImages} images");
        }

        var spec = new GenerationSpec(
            prompt, negativePrompt, width, height, steps, seed, new GuidanceParameters(mode, scale, alpha), schedulerKind, numImages);
        return new GenerationState(generationId, spec, conditional, unconditional, stepIndex, latents, scheduler);
    }

    private static void WriteString(BinaryWriter w, string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        w.Write(bytes.Length);
        w.Write(bytes);
    }

    private static void WriteConditioning(BinaryWriter w, PromptConditioning conditioning)
    {
        w.Write(conditioning.Tensors.Count);
        foreach (var (name, tensor) in conditioning.Tensors)
        {
            WriteString(w, name);
            WriteTensor(w, tensor);
        }
    }

    private static void WriteTensor(BinaryWriter w, HostTensor tensor)
    {
        w.Write(tensor.Shape.Length);
        foreach (long d in tensor.Shape)
        {
            w.Write(d);
        }

        foreach (float v in tensor.Data)
        {
            w.Write(v);
        }
    }

    private static PromptConditioning ReadConditioning(Reader reader)
    {
        int count = reader.Int32();
        if (count < 1 || count > MaxConditioningTensors)
        {
            throw new InvalidDataException($"conditioning tensor count {count} is outside 1…{MaxConditioningTensors}");
        }

        var tensors = new Dictionary<string, HostTensor>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            string name = reader.String();
            if (name.Length == 0 || !tensors.TryAdd(name, ReadTensor(reader)))
            {
                throw new InvalidDataException($"conditioning tensor name '{name}' is empty or repeated");
            }
        }

        if (!tensors.ContainsKey(ConditioningNames.PromptEmbeds))
        {
            throw new InvalidDataException($"a conditioning has no '{ConditioningNames.PromptEmbeds}'");
        }

        return new PromptConditioning(tensors);
    }

    private static HostTensor ReadTensor(Reader reader)
    {
        int rank = reader.Int32();
        if (rank < 0 || rank > MaxRank)
        {
            throw new InvalidDataException($"tensor rank {rank} is outside 0…{MaxRank}");
        }

        var shape = new long[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            shape[i] = reader.Int64();
            if (shape[i] < 0 || shape[i] > int.MaxValue)
            {
                throw new InvalidDataException($"tensor dimension {shape[i]} is out of range");
            }

            count *= shape[i];
            if (count * sizeof(float) > reader.Remaining)
            {
                throw new InvalidDataException($"tensor of {count} elements is longer than the {reader.Remaining} bytes left");
            }
        }

        var data = new float[count];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = reader.Single();
        }

        return new HostTensor(data, shape);
    }

    /// <summary>Bounds-checked little-endian reads that fail as <see cref="InvalidDataException"/>.</summary>
    private sealed class Reader(byte[] data)
    {
        private int _position;

        public int Remaining => data.Length - _position;

        public bool AtEnd => _position == data.Length;

        public byte[] Bytes(int count)
        {
            if (count < 0 || count > Remaining)
            {
                throw new InvalidDataException($"the generation state is truncated: {count} bytes needed at offset {_position}, {Remaining} left");
            }

            byte[] result = data.AsSpan(_position, count).ToArray();
            _position += count;
            return result;
        }

        public byte Byte() => Bytes(1)[0];

        public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

        public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        public ulong UInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

        public float Single() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

        public string String()
        {
            int length = Int32();
            try
            {
                return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Bytes(length));
            }
            catch (DecoderFallbackException ex)
            {
                throw new InvalidDataException("a string of the generation state is not valid UTF-8", ex);
            }
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count > Remaining)
            {
                throw new InvalidDataException($"the generation state is truncated: {count} bytes needed at offset {_position}, {Remaining} left");
            }

            var span = data.AsSpan(_position, count);
            _position += count;
            return span;
        }
    }
}
