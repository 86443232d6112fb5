using System.Buffers.Binary;
using Chats.Core.Schedulers;

namespace Chats.Core.Tests.Schedulers;

/// <summary>The binary form of <see cref="SchedulerState"/>: pinned layout, exact floats, strict reading.</summary>
public sealed class SchedulerStateCodecTests
{
    /// <summary>Header through the history floats of a DPM-Solver state after step 1 of 20 with x₀ = [1, −2].</summary>
    private const string DpmHex =
        "43535354" + "01" + "03" + "00" + "14000000" + "01000000" + "01000000" + "02000000" + "0000803F" + "000000C0";

    /// <summary>A flow-matching state with μ = 0.5 and custom σ = [1, 0.5], before its first step.</summary>
    private const string FlowHex =
        "43535354" + "01" + "02" + "03" + "02000000" + "00000000" + "00000000" + "00000000" +
        "000000000000E03F" + "0000803F" + "0000003F";

    [Fact]
    public void ToBytes_DpmSolverState_HasThePinnedLayout()
    {
        var state = new SchedulerState(SchedulerKind.DpmSolverMultistep, 20, 1, [[1f, -2f]]);

        Assert.Equal(DpmHex, Convert.ToHexString(state.ToBytes()));
        Assert.Equal(state, SchedulerState.FromBytes(Convert.FromHexString(DpmHex)));
    }

    [Fact]
    public void ToBytes_FlowMatchState_HasThePinnedLayout()
    {
        var state = new SchedulerState(SchedulerKind.FlowMatchEuler, 2, 0, mu: 0.5, customSigmas: [1f, 0.5f]);

        Assert.Equal(FlowHex, Convert.ToHexString(state.ToBytes()));
        Assert.Equal(state, SchedulerState.FromBytes(Convert.FromHexString(FlowHex)));
    }

    [Fact]
    public void ToBytes_StatelessKind_IsTheHeaderOnly()
    {
        byte[] bytes = new SchedulerState(SchedulerKind.EulerDiscrete, 30, 12).ToBytes();

        Assert.Equal("43535354" + "01" + "01" + "00" + "1E000000" + "0C000000" + "00000000" + "00000000", Convert.ToHexString(bytes));
    }

    [Fact]
    public void RoundTrip_PreservesEveryFloatBit()
    {
        float[] awkward =
        [
            -0f, 0f, float.Epsilon, -float.Epsilon, float.MaxValue, float.MinValue, float.PositiveInfinity,
            float.NegativeInfinity, float.NaN, BitConverter.Int32BitsToSingle(0x7FC01234), BitConverter.Int32BitsToSingle(unchecked((int)0xFF800001)),
            1f / 3f, MathF.PI,
        ];
        var dpm = new SchedulerState(SchedulerKind.DpmSolverMultistep, 50, 49, [awkward]);
        var flow = new SchedulerState(SchedulerKind.FlowMatchEuler, awkward.Length, 3, mu: -0.0, customSigmas: awkward);

        SchedulerState dpmBack = SchedulerState.FromBytes(dpm.ToBytes());
        SchedulerState flowBack = SchedulerState.FromBytes(flow.ToBytes());

        Assert.Equal(SyntheticTrajectory.Bits(awkward), SyntheticTrajectory.Bits(dpmBack.History[0].ToArray()));
        Assert.Equal(SyntheticTrajectory.Bits(awkward), SyntheticTrajectory.Bits(flowBack.CustomSigmas.ToArray()));
        Assert.Equal(BitConverter.DoubleToInt64Bits(-0.0), BitConverter.DoubleToInt64Bits(flowBack.Mu!.Value));
        Assert.Equal(dpm, dpmBack);
        Assert.Equal(flow, flowBack);
    }

    [Fact]
    public void FromBytes_Empty_Throws() =>
        Assert.Throws<InvalidDataException>(() => SchedulerState.FromBytes([]));

    [Theory]
    [InlineData(DpmHex)]
    [InlineData(FlowHex)]
    public void FromBytes_EveryTruncation_Throws(string hex)
    {
        byte[] bytes = Convert.FromHexString(hex);
        for (int length = 0; length < bytes.Length; length++)
        {
            var exception = Assert.Throws<InvalidDataException>(() => SchedulerState.FromBytes(bytes.AsSpan(0, length)));
            Assert.True(
                exception.Message.Contains("truncated", StringComparison.Ordinal) ||
                exception.Message.Contains("header", StringComparison.Ordinal),
                $"length {length}: {exception.Message}");
        }
    }

    [Fact]
    public void FromBytes_TrailingByte_Throws()
    {
        byte[] bytes = [.. Convert.FromHexString(DpmHex), 0];

        var exception = Assert.Throws<InvalidDataException>(() => SchedulerState.FromBytes(bytes));

        Assert.Contains("1 unexpected trailing bytes", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromBytes_WrongMagic_Throws()
    {
        byte[] bytes = Convert.FromHexString(DpmHex);
        bytes[0] = (byte)'X';

        var exception = Assert.Throws<InvalidDataException>(() => SchedulerState.FromBytes(bytes));

        Assert.Contains("magic", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromBytes_LaterVersion_Throws()
    {
        byte[] bytes = Convert.FromHexString(DpmHex);
        bytes[4] = 2;

        var exception = Assert.Throws<InvalidDataException>(() => SchedulerState.FromBytes(bytes));

        Assert.Contains("version 2 is not supported", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromBytes_UnknownKind_Throws()
    {
        byte[] bytes = Convert.FromHexString(DpmHex);
        bytes[5] = 9;

        var exception = Assert.Throws<InvalidDataException>(() => SchedulerState.FromBytes(bytes));

        Assert.Contains("kind 9", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromBytes_UnknownFlags_Throws()
    {
        byte[] bytes = Convert.FromHexString(DpmHex);
        bytes[6] = 0x80;

        var exception = Assert.Throws<InvalidDataException>(() => SchedulerState.FromBytes(bytes));

        Assert.Contains("flags 0x80", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(7, 0)]
    [InlineData(7, -3)]
    [InlineData(15, -1)]
    [InlineData(19, -1)]
    [InlineData(19, 0)]
    public void FromBytes_InvalidCounts_Throws(int offset, int value)
    {
        byte[] bytes = Convert.FromHexString(DpmHex);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(offset), value);

        var exception = Assert.Throws<InvalidDataException>(() => SchedulerState.FromBytes(bytes));

        Assert.Contains("counts", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromBytes_HugeHistory_ThrowsBeforeAllocating()
    {
        byte[] bytes = Convert.FromHexString(DpmHex);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(15), int.MaxValue);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(19), int.MaxValue);

        var exception = Assert.Throws<InvalidDataException>(() => SchedulerState.FromBytes(bytes));

        Assert.Contains("truncated", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromBytes_StepIndexPastTheEnd_ThrowsWithTheReason()
    {
        byte[] bytes = Convert.FromHexString(DpmHex);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(11), 21);

        var exception = Assert.Throws<InvalidDataException>(() => SchedulerState.FromBytes(bytes));

        Assert.StartsWith("The bytes describe an invalid scheduler state", exception.Message, StringComparison.Ordinal);
        Assert.IsType<ArgumentOutOfRangeException>(exception.InnerException);
    }

    [Fact]
    public void FromBytes_HistoryForAStatelessKind_Throws()
    {
        byte[] bytes = Convert.FromHexString(DpmHex);
        bytes[5] = (byte)SchedulerKind.Ddim;

        var exception = Assert.Throws<InvalidDataException>(() => SchedulerState.FromBytes(bytes));

        Assert.Contains("keeps no history", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromBytes_NonFiniteMu_Throws()
    {
        byte[] bytes = Convert.FromHexString(FlowHex);
        BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(23), double.NaN);

        Assert.Throws<InvalidDataException>(() => SchedulerState.FromBytes(bytes));
    }
}
