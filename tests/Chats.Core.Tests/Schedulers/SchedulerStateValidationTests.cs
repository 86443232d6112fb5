using Chats.Core.Schedulers;

namespace Chats.Core.Tests.Schedulers;

/// <summary>States that cannot describe a trajectory, or not this scheduler's, are rejected with the reason.</summary>
public sealed class SchedulerStateValidationTests
{
    [Theory]
    [InlineData(-1)]
    [InlineData(11)]
    public void Constructor_StepIndexOutsideTheTrajectory_Throws(int stepIndex)
    {
        var exception = Assert.Throws<ArgumentOutOfRangeException>(() => new SchedulerState(SchedulerKind.Ddim, 10, stepIndex));

        Assert.Equal("stepIndex", exception.ParamName);
    }

    [Fact]
    public void Constructor_NoSteps_Throws()
    {
        var exception = Assert.Throws<ArgumentOutOfRangeException>(() => new SchedulerState(SchedulerKind.Ddim, 0, 0));

        Assert.Equal("numInferenceSteps", exception.ParamName);
    }

    [Fact]
    public void Constructor_UnknownKind_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SchedulerState((SchedulerKind)42, 10, 0));

    [Fact]
    public void Constructor_HistoryEntriesOfDifferentLengths_Throws()
    {
        var exception = Assert.Throws<ArgumentException>(
            () => new SchedulerState(SchedulerKind.DpmSolverMultistep, 10, 3, [new float[4], new float[5]]));

        Assert.Contains("entry 1 has 5 values but entry 0 has 4", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_EmptyHistoryEntry_Throws() =>
        Assert.Throws<ArgumentException>(() => new SchedulerState(SchedulerKind.DpmSolverMultistep, 10, 3, [[]]));

    [Fact]
    public void Constructor_NullHistoryEntry_Throws() =>
        Assert.Throws<ArgumentException>(() => new SchedulerState(SchedulerKind.DpmSolverMultistep, 10, 3, [null!]));

    [Theory]
    [InlineData(SchedulerKind.Ddim)]
    [InlineData(SchedulerKind.EulerDiscrete)]
    [InlineData(SchedulerKind.FlowMatchEuler)]
    public void Constructor_HistoryForAKindWithout_Throws(SchedulerKind kind)
    {
        var exception = Assert.Throws<ArgumentException>(() => new SchedulerState(kind, 10, 3, [new float[4]]));

        Assert.Contains("keeps no history", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_HistoryAtStepZero_Throws()
    {
        var exception = Assert.Throws<ArgumentException>(
            () => new SchedulerState(SchedulerKind.DpmSolverMultistep, 10, 0, [new float[4]]));

        Assert.Contains("step 0", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_FlowFieldsForADiffusionKind_Throw()
    {
        Assert.Throws<ArgumentException>(() => new SchedulerState(SchedulerKind.EulerDiscrete, 4, 0, mu: 0.5));
        Assert.Throws<ArgumentException>(() => new SchedulerState(SchedulerKind.Ddim, 4, 0, customSigmas: [1f, 0.75f, 0.5f, 0.25f]));
    }

    [Fact]
    public void Constructor_CustomSigmasForAnotherStepCount_Throws()
    {
        var exception = Assert.Throws<ArgumentException>(
            () => new SchedulerState(SchedulerKind.FlowMatchEuler, 4, 0, customSigmas: [1f, 0.5f]));

        Assert.Equal("customSigmas", exception.ParamName);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Constructor_NonFiniteMu_Throws(double mu) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SchedulerState(SchedulerKind.FlowMatchEuler, 4, 0, mu: mu));

    [Fact]
    public void Constructor_CopiesTheCallersArrays()
    {
        float[] entry = [1f, 2f];
        float[] sigmas = [1f, 0.5f];
        var dpm = new SchedulerState(SchedulerKind.DpmSolverMultistep, 10, 3, [entry]);
        var flow = new SchedulerState(SchedulerKind.FlowMatchEuler, 2, 0, customSigmas: sigmas);

        entry[0] = 7f;
        sigmas[0] = 7f;

        Assert.Equal(1f, dpm.History[0].Span[0]);
        Assert.Equal(1f, flow.CustomSigmas.Span[0]);
    }

    [Fact]
    public void Equality_ComparesFloatBits()
    {
        var zero = new SchedulerState(SchedulerKind.DpmSolverMultistep, 10, 3, [[0f]]);
        var negativeZero = new SchedulerState(SchedulerKind.DpmSolverMultistep, 10, 3, [[-0f]]);
        var sameZero = new SchedulerState(SchedulerKind.DpmSolverMultistep, 10, 3, [[0f]]);

        Assert.NotEqual(zero, negativeZero);
        Assert.Equal(zero, sameZero);
        Assert.Equal(zero.GetHashCode(), sameZero.GetHashCode());
        Assert.Contains("History = 1 × 1 floats", zero.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SchedulerKind.Ddim)]
    [InlineData(SchedulerKind.EulerDiscrete)]
    [InlineData(SchedulerKind.FlowMatchEuler)]
    [InlineData(SchedulerKind.DpmSolverMultistep)]
    public void CaptureState_BeforeSetTimesteps_Throws(SchedulerKind kind)
    {
        INoiseScheduler scheduler = NoiseSchedulerFactory.Create(kind, SchedulerStateResumeTests.ConfigFor(kind));

        Assert.Throws<InvalidOperationException>(scheduler.CaptureState);
    }

    [Theory]
    [InlineData(SchedulerKind.Ddim, SchedulerKind.EulerDiscrete)]
    [InlineData(SchedulerKind.EulerDiscrete, SchedulerKind.DpmSolverMultistep)]
    [InlineData(SchedulerKind.DpmSolverMultistep, SchedulerKind.Ddim)]
    [InlineData(SchedulerKind.FlowMatchEuler, SchedulerKind.EulerDiscrete)]
    [InlineData(SchedulerKind.EulerDiscrete, SchedulerKind.FlowMatchEuler)]
    public void RestoreState_OfAnotherKind_ThrowsNamingBoth(SchedulerKind stateKind, SchedulerKind schedulerKind)
    {
        INoiseScheduler scheduler = NoiseSchedulerFactory.Create(schedulerKind, SchedulerStateResumeTests.ConfigFor(schedulerKind));

        var exception = Assert.Throws<ArgumentException>(() => scheduler.RestoreState(new SchedulerState(stateKind, 10, 2)));

        Assert.Equal("state", exception.ParamName);
        Assert.Contains($"A {stateKind} state cannot be restored into a {schedulerKind} scheduler", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SchedulerKind.Ddim)]
    [InlineData(SchedulerKind.EulerDiscrete)]
    [InlineData(SchedulerKind.DpmSolverMultistep)]
    public void RestoreState_MoreStepsThanTrainingTimesteps_Throws(SchedulerKind kind)
    {
        INoiseScheduler scheduler = NoiseSchedulerFactory.Create(kind, SchedulerConfig.StableDiffusionDefaults);

        var exception = Assert.Throws<ArgumentException>(() => scheduler.RestoreState(new SchedulerState(kind, 1001, 0)));

        Assert.Contains("1001 inference steps exceed the config's 1000 training timesteps", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RestoreState_DpmSolverWithoutItsHistory_ThrowsAndLeavesTheSchedulerAsItWas()
    {
        INoiseScheduler scheduler = NoiseSchedulerFactory.Create(SchedulerKind.DpmSolverMultistep, SchedulerConfig.StableDiffusionDefaults);
        scheduler.SetTimesteps(8);
        float[] sample = SyntheticTrajectory.InitialSample(1f);
        SyntheticTrajectory.Run(scheduler, sample, 0, 2);
        SchedulerState before = scheduler.CaptureState();

        var exception = Assert.Throws<ArgumentException>(
            () => scheduler.RestoreState(new SchedulerState(SchedulerKind.DpmSolverMultistep, 20, 5)));

        Assert.Contains("at step 5 needs 1 previous x₀ prediction(s), but the state has 0", exception.Message, StringComparison.Ordinal);
        Assert.Equal(before, scheduler.CaptureState());
        Assert.Equal(8, scheduler.Timesteps.Count);
    }

    [Fact]
    public void RestoreState_FirstOrderDpmSolverWithHistory_Throws()
    {
        INoiseScheduler scheduler = NoiseSchedulerFactory.Create(
            SchedulerKind.DpmSolverMultistep, SchedulerConfig.StableDiffusionDefaults with { SolverOrder = 1 });

        var exception = Assert.Throws<ArgumentException>(
            () => scheduler.RestoreState(new SchedulerState(SchedulerKind.DpmSolverMultistep, 20, 5, [new float[4]])));

        Assert.Contains("order 1 at step 5 needs 0", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DpmSolver_RestoredHistoryOfAnotherSampleSize_StepThrowsAndKeepsTheHistory()
    {
        INoiseScheduler scheduler = NoiseSchedulerFactory.Create(SchedulerKind.DpmSolverMultistep, SchedulerConfig.StableDiffusionDefaults);
        var state = new SchedulerState(SchedulerKind.DpmSolverMultistep, 20, 5, [new float[4]]);
        scheduler.RestoreState(state);

        var exception = Assert.Throws<ArgumentException>(() => scheduler.Step(new float[6], 5, new float[6]));

        Assert.Equal("sample", exception.ParamName);
        Assert.Equal(state, scheduler.CaptureState());
    }

    [Fact]
    public void RestoreState_DynamicShiftingWithoutMu_Throws()
    {
        var scheduler = new FlowMatchEulerScheduler(new SchedulerConfig { ClassName = "FlowMatchEulerDiscreteScheduler", UseDynamicShifting = true });

        var exception = Assert.Throws<ArgumentException>(() => scheduler.RestoreState(new SchedulerState(SchedulerKind.FlowMatchEuler, 10, 2)));

        Assert.Contains("carries no μ", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RestoreState_Null_Throws()
    {
        var scheduler = new DdimScheduler(SchedulerConfig.StableDiffusionDefaults);

        Assert.Throws<ArgumentNullException>(() => scheduler.RestoreState(null!));
    }
}
