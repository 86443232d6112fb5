using Chats.Core.Schedulers;

namespace Chats.Core.Tests.Schedulers;

/// <summary>
/// A trajectory captured after k steps, sent through its bytes and restored into a new scheduler must finish
/// bitwise like the uninterrupted one.
/// </summary>
public sealed class SchedulerStateResumeTests
{
    public static TheoryData<string, int, int> ResumeCases()
    {
        var data = new TheoryData<string, int, int>();
        foreach (string name in TrajectoryCase.Names)
        {
            // 10 steps: DPM-Solver's lower_order_final makes the last step first order; 20: it stays second order.
            foreach (int steps in (int[])[10, 20])
            {
                foreach (int k in (int[])[0, 1, steps / 2, steps - 1, steps])
                {
                    data.Add(name, steps, k);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ResumeCases))]
    public void Resume_AfterKSteps_ThroughBytesInANewScheduler_IsBitwiseIdentical(string caseName, int steps, int k)
    {
        TrajectoryCase setup = TrajectoryCase.Named(caseName);
        float[] expected = Uninterrupted(setup, steps);

        // A NaN trajectory would compare equal bit for bit whatever the state carried.
        Assert.All(expected, value => Assert.True(float.IsFinite(value)));

        INoiseScheduler first = setup.Start(steps);
        float[] sample = SyntheticTrajectory.InitialSample(first.InitNoiseSigma);
        SyntheticTrajectory.Run(first, sample, 0, k);
        SchedulerState captured = first.CaptureState();
        SchedulerState decoded = SchedulerState.FromBytes(captured.ToBytes());

        Assert.Equal(captured, decoded);
        Assert.Equal(setup.Kind, decoded.Kind);
        Assert.Equal(steps, decoded.NumInferenceSteps);
        Assert.Equal(k, decoded.StepIndex);
        bool keepsHistory = setup.Kind == SchedulerKind.DpmSolverMultistep && setup.Config.SolverOrder == 2 && k > 0;
        Assert.Equal(keepsHistory ? 1 : 0, decoded.History.Count);
        Assert.All(decoded.History, entry => Assert.Equal(sample.Length, entry.Length));

        INoiseScheduler second = NoiseSchedulerFactory.Restore(setup.Config, decoded);
        Assert.NotSame(first, second);
        Assert.Equal(k, second.StepIndex);
        Assert.Equal(first.Timesteps, second.Timesteps);
        Assert.Equal(first.InitNoiseSigma, second.InitNoiseSigma);

        // The latent travels next to the state, as the orchestrator would store it.
        float[] resumed = [.. sample];
        SyntheticTrajectory.Run(second, resumed, k, steps);

        Assert.Equal(steps, second.StepIndex);
        Assert.Equal(SyntheticTrajectory.Bits(expected), SyntheticTrajectory.Bits(resumed));
    }

    [Theory]
    [InlineData("dpm-2m", 1)]
    [InlineData("dpm-2m", 10)]
    [InlineData("dpm-2m", 19)]
    [InlineData("dpm-2m-heun-v", 10)]
    public void DpmSolver_ResumedWithZeroHistory_Diverges(string caseName, int k)
    {
        const int steps = 20;
        TrajectoryCase setup = TrajectoryCase.Named(caseName);
        (SchedulerState captured, float[] sample) = CaptureAfter(setup, steps, k);
        var withoutHistory = new SchedulerState(captured.Kind, steps, k, [new float[sample.Length]]);

        float[] resumed = Resume(setup, withoutHistory, sample, steps);

        Assert.NotEqual(SyntheticTrajectory.Bits(Uninterrupted(setup, steps)), SyntheticTrajectory.Bits(resumed));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(10)]
    [InlineData(19)]
    public void DpmSolver_ResumedWithTheHistoryOfAnEarlierStep_Diverges(int k)
    {
        const int steps = 20;
        TrajectoryCase setup = TrajectoryCase.Named("dpm-2m");
        (SchedulerState earlier, _) = CaptureAfter(setup, steps, k - 1);
        (SchedulerState captured, float[] sample) = CaptureAfter(setup, steps, k);
        var stale = new SchedulerState(captured.Kind, steps, k, [earlier.History[0].ToArray()]);

        float[] resumed = Resume(setup, stale, sample, steps);

        Assert.NotEqual(SyntheticTrajectory.Bits(Uninterrupted(setup, steps)), SyntheticTrajectory.Bits(resumed));
    }

    [Fact]
    public void DpmSolver_FreshSchedulerWithoutRestore_CannotContinueMidTrajectory()
    {
        INoiseScheduler fresh = TrajectoryCase.Named("dpm-2m").Start(20);

        Assert.Throws<InvalidOperationException>(() => fresh.Step(new float[4], 5, new float[4]));
    }

    [Fact]
    public void CaptureState_IsASnapshot_NotAViewOfTheScheduler()
    {
        TrajectoryCase setup = TrajectoryCase.Named("dpm-2m");
        INoiseScheduler scheduler = setup.Start(20);
        float[] sample = SyntheticTrajectory.InitialSample(scheduler.InitNoiseSigma);
        SyntheticTrajectory.Run(scheduler, sample, 0, 5);
        SchedulerState captured = scheduler.CaptureState();
        byte[] before = captured.ToBytes();

        // DPM-Solver reuses its prediction buffers in place; the state must not see that.
        SyntheticTrajectory.Run(scheduler, sample, 5, 8);

        Assert.Equal(before, captured.ToBytes());
        Assert.Equal(5, captured.StepIndex);
        Assert.Equal(8, scheduler.StepIndex);
    }

    [Theory]
    [InlineData(SchedulerKind.Ddim)]
    [InlineData(SchedulerKind.EulerDiscrete)]
    [InlineData(SchedulerKind.FlowMatchEuler)]
    [InlineData(SchedulerKind.DpmSolverMultistep)]
    public void SetTimesteps_ResetsTheStepIndex(SchedulerKind kind)
    {
        INoiseScheduler scheduler = NoiseSchedulerFactory.Create(kind, ConfigFor(kind));
        scheduler.SetTimesteps(6);
        float[] sample = SyntheticTrajectory.InitialSample(scheduler.InitNoiseSigma);
        SyntheticTrajectory.Run(scheduler, sample, 0, 3);
        Assert.Equal(3, scheduler.StepIndex);

        scheduler.SetTimesteps(6);

        Assert.Equal(0, scheduler.StepIndex);
        Assert.Equal(new SchedulerState(kind, 6, 0), scheduler.CaptureState());
    }

    [Fact]
    public void FlowMatchEuler_State_CarriesMuAndCustomSigmas()
    {
        TrajectoryCase setup = TrajectoryCase.Named("flow-dynamic-flux");
        INoiseScheduler scheduler = setup.Start(8);

        SchedulerState state = scheduler.CaptureState();

        Assert.Equal(0.63, state.Mu);
        Assert.Equal(8, state.CustomSigmas.Length);
        Assert.Equal(1f, state.CustomSigmas.Span[0]);
    }

    internal static SchedulerConfig ConfigFor(SchedulerKind kind) => kind == SchedulerKind.FlowMatchEuler
        ? TrajectoryCase.Named("flow-static").Config
        : SchedulerConfig.StableDiffusionDefaults;

    private static float[] Uninterrupted(TrajectoryCase setup, int steps)
    {
        INoiseScheduler scheduler = setup.Start(steps);
        float[] sample = SyntheticTrajectory.InitialSample(scheduler.InitNoiseSigma);
        SyntheticTrajectory.Run(scheduler, sample, 0, steps);
        return sample;
    }

    private static (SchedulerState State, float[] Sample) CaptureAfter(TrajectoryCase setup, int steps, int k)
    {
        INoiseScheduler scheduler = setup.Start(steps);
        float[] sample = SyntheticTrajectory.InitialSample(scheduler.InitNoiseSigma);
        SyntheticTrajectory.Run(scheduler, sample, 0, k);
        return (scheduler.CaptureState(), sample);
    }

    private static float[] Resume(TrajectoryCase setup, SchedulerState state, float[] sample, int steps)
    {
        INoiseScheduler scheduler = NoiseSchedulerFactory.Create(setup.Kind, setup.Config);
        scheduler.RestoreState(state);
        float[] resumed = [.. sample];
        SyntheticTrajectory.Run(scheduler, resumed, state.StepIndex, steps);
        return resumed;
    }
}
