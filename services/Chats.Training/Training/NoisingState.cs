using Chats.Core.Schedulers;
using Chats.Training.Diffusion;

namespace Chats.Training.Training;

/// <summary>The forward process as recorded in <c>trainer_state.json</c>.</summary>
public sealed record NoisingState
{
    /// <summary>Diffusion or flow matching.</summary>
    public NoisingKind Kind { get; init; }

    /// <summary>Number of training timesteps (the flow model-timestep factor).</summary>
    public int NumTrainTimesteps { get; init; } = 1000;

    /// <summary>β start (diffusion).</summary>
    public double BetaStart { get; init; }

    /// <summary>β end (diffusion).</summary>
    public double BetaEnd { get; init; }

    /// <summary>β schedule (diffusion).</summary>
    public BetaSchedule BetaSchedule { get; init; }

    /// <summary>Prediction type (diffusion: ε or v).</summary>
    public PredictionType PredictionType { get; init; }

    /// <summary>Describes <paramref name="noising"/>.</summary>
    public static NoisingState From(INoisingProcess noising) => noising switch
    {
        DiffusionNoising d => new NoisingState
        {
            Kind = NoisingKind.Diffusion,
            NumTrainTimesteps = d.Config.NumTrainTimesteps,
            BetaStart = d.Config.BetaStart,
            BetaEnd = d.Config.BetaEnd,
            BetaSchedule = d.Config.BetaSchedule,
            PredictionType = d.Config.PredictionType,
        },
        FlowMatchingNoising f => new NoisingState
        {
            Kind = NoisingKind.FlowMatching,
            NumTrainTimesteps = f.NumTrainTimesteps,
            PredictionType = PredictionType.FlowVelocity,
        },
        _ => throw new NotSupportedException($"cannot record the noising process {noising?.GetType().Name}"),
    };

    /// <summary>Recreates the process.</summary>
    public INoisingProcess Create() => Kind switch
    {
        NoisingKind.Diffusion => new DiffusionNoising(SchedulerConfig.StableDiffusionDefaults with
        {
            NumTrainTimesteps = NumTrainTimesteps,
            BetaStart = BetaStart,
            BetaEnd = BetaEnd,
            BetaSchedule = BetaSchedule,
            PredictionType = PredictionType,
        }),
        NoisingKind.FlowMatching => new FlowMatchingNoising(NumTrainTimesteps),
        _ => throw new InvalidDataException($"unknown noising kind {Kind}"),
    };
}
