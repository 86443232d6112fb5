using Chats.Core.Guidance;
using Chats.Core.Sampling;
using Chats.Core.Schedulers;
using Chats.Core.Tensors;

namespace Chats.Core.Tests.Sampling;

public sealed class GenerationStateCodecTests
{
    private static GenerationState Sample(bool pooled = true)
    {
        var spec = new GenerationSpec("a cat ✓", "blurry", 64, 48, 10, ulong.MaxValue - 3, new GuidanceParameters(GuidanceMode.ChatsFull, 4.5f, 0.25f), SchedulerKind.DpmSolverMultistep, 2);
        HostTensor Tensor(int seed, params long[] shape)
            => new(GaussianNoise.Sample((int)shape.Aggregate(1L, (a, b) => a * b), (ulong)seed), shape);
        var c = new PromptConditioning(Tensor(1, 7, 16), pooled ? Tensor(2, 12) : null);
        var u = new PromptConditioning(Tensor(3, 7, 16), pooled ? Tensor(4, 12) : null);
        var latents = Tensor(5, 2, 4, 6, 8);
        latents.Data[0] = -0f;
        latents.Data[1] = float.Epsilon;
        var scheduler = new SchedulerState(SchedulerKind.DpmSolverMultistep, 10, 3, [Tensor(6, 2, 4, 6, 8).Data]);
        return new GenerationState("gen-1", spec, c, u, 3, latents, scheduler);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RoundTrip_IsExact(bool pooled)
    {
        var state = Sample(pooled);

        var back = GenerationStateCodec.FromBytes(GenerationStateCodec.ToBytes(state));

        Assert.Equal(state.GenerationId, back.GenerationId);
        Assert.Equal(state.Spec, back.Spec);
        Assert.Equal(state.StepIndex, back.StepIndex);
        Assert.Equal(state.Scheduler, back.Scheduler);
        AssertBits(state.Latents, back.Latents);
        AssertBits(state.Conditional.HiddenStates, back.Conditional.HiddenStates);
        AssertBits(state.Unconditional.HiddenStates, back.Unconditional.HiddenStates);
        Assert.Equal(pooled, back.Conditional.Pooled is not null);
        if (pooled)
        {
            AssertBits(state.Unconditional.Pooled!, back.Unconditional.Pooled!);
        }

        // Same bytes again: the encoding is a function of the state.
        Assert.Equal(GenerationStateCodec.ToBytes(state), GenerationStateCodec.ToBytes(back));
    }

    [Fact]
    public void EveryTruncation_IsInvalidData()
    {
        byte[] bytes = GenerationStateCodec.ToBytes(Sample());
        for (int length = 0; length < bytes.Length; length += Math.Max(1, length / 7))
        {
            Assert.Throws<InvalidDataException>(() => GenerationStateCodec.FromBytes(bytes.AsSpan(0, length)));
        }
    }

    [Theory]
    [InlineData(0, "magic")]
    [InlineData(4, "version")]
    public void WrongHeader_IsInvalidData(int offset, string expected)
    {
        byte[] bytes = GenerationStateCodec.ToBytes(Sample());
        bytes[offset] ^= 0x5A;

        var ex = Assert.Throws<InvalidDataException>(() => GenerationStateCodec.FromBytes(bytes));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TrailingBytes_AreInvalidData()
    {
        byte[] bytes = [.. GenerationStateCodec.ToBytes(Sample()), 0];

        Assert.Contains("unexpected bytes", Assert.Throws<InvalidDataException>(() => GenerationStateCodec.FromBytes(bytes)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HugeDimension_IsRejectedBeforeAllocating()
    {
        byte[] bytes = GenerationStateCodec.ToBytes(Sample());
        // The first tensor (c's first named tensor) follows the fixed-size header, the strings and its name; its
        // first dimension is the int64 after its rank.
        int offset = FirstTensorOffset(bytes);
        BitConverter.TryWriteBytes(bytes.AsSpan(offset + 4, 8), (long)int.MaxValue);

        Assert.Contains("longer than", Assert.Throws<InvalidDataException>(() => GenerationStateCodec.FromBytes(bytes)).Message, StringComparison.Ordinal);
    }

    private static int FirstTensorOffset(byte[] bytes)
    {
        int offset = 5;
        for (int s = 0; s < 3; s++)
        {
            offset += 4 + BitConverter.ToInt32(bytes, offset);
        }

        // Fixed fields, then c's tensor count and its first tensor's name.
        offset += (4 * 3) + 8 + 1 + (4 * 2) + 1 + 4 + 4;
        return offset + 4 + BitConverter.ToInt32(bytes, offset);
    }

    private static void AssertBits(HostTensor expected, HostTensor actual)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(
            expected.Data.Select(BitConverter.SingleToInt32Bits),
            actual.Data.Select(BitConverter.SingleToInt32Bits));
    }
}
