namespace Chats.Core.Schedulers;

/// <summary>
/// Euler for rectified-flow models (SD3, Flux), matching diffusers 0.35.2's
/// <c>FlowMatchEulerDiscreteScheduler</c> without stochastic sampling: σ from 1 towards 0, a static
/// <c>shift</c> or a resolution-dependent μ, timesteps = σ·T, and x ← x + (σ_next − σ)·v.
/// </summary>
/// <remarks>
/// diffusers 0.29.2 (the first SD3 release) builds the same schedule but steps as x + ((x − (x − σv)) / σ)·(σ_next − σ);
/// in float32 that differs from this step by rounding only (at most 1 ulp of the latents on the SD3 fixtures).
/// </remarks>
public sealed class FlowMatchEulerScheduler : INoiseScheduler
{
    private readonly SchedulerConfig _config;
    private readonly float _trainingSigmaMax;
    private readonly float _trainingSigmaMin;
    private float[] _timesteps = [];
    private float[] _sigmas = [];
    private double? _mu;
    private float[] _customSigmas = [];
    private int _nextStep;

    /// <summary>Creates the scheduler; call a SetTimesteps overload before sampling.</summary>
    public FlowMatchEulerScheduler(SchedulerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;

        // The training schedule σ = t / T for t = T…1, statically shifted unless the shift is dynamic
        // (float32, as diffusers' constructor computes it); its ends bound the default inference schedule.
        int trainSteps = config.NumTrainTimesteps;
        _trainingSigmaMax = TrainingSigma(trainSteps);
        _trainingSigmaMin = TrainingSigma(1);
    }

    /// <inheritdoc/>
    public PredictionType PredictionType => PredictionType.FlowVelocity;

    /// <inheritdoc/>
    public IReadOnlyList<float> Timesteps => _timesteps;

    /// <summary>σ at each step plus the final σ = 0 (one more entry than <see cref="Timesteps"/>).</summary>
    public IReadOnlyList<float> Sigmas => _sigmas;

    /// <inheritdoc/>
    /// <remarks>Flow matching starts from unit Gaussian noise at σ = 1.</remarks>
    public float InitNoiseSigma => 1f;

    /// <inheritdoc/>
    /// <remarks>Steps need not be taken in order (each uses only its own σ pair); this only records the position.</remarks>
    public int StepIndex => _nextStep;

    /// <summary>
    /// diffusers pipelines' <c>calculate_shift</c>: μ interpolated linearly in the image token count between
    /// (<see cref="SchedulerConfig.BaseImageSeqLen"/>, <see cref="SchedulerConfig.BaseShift"/>) and
    /// (<see cref="SchedulerConfig.MaxImageSeqLen"/>, <see cref="SchedulerConfig.MaxShift"/>).
    /// </summary>
    public static double CalculateShift(SchedulerConfig config, int imageSeqLen)
    {
        ArgumentNullException.ThrowIfNull(config);
        double slope = (config.MaxShift - config.BaseShift) / (config.MaxImageSeqLen - config.BaseImageSeqLen);
        double intercept = config.BaseShift - (slope * config.BaseImageSeqLen);
        return (imageSeqLen * slope) + intercept;
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The config uses dynamic shifting, which needs μ.</exception>
    public void SetTimesteps(int numInferenceSteps) => SetTimesteps(numInferenceSteps, mu: null, sigmas: null);

    /// <summary>
    /// Prepares a trajectory of <paramref name="numInferenceSteps"/> steps. <paramref name="mu"/> is required
    /// with dynamic shifting (see <see cref="CalculateShift"/>); <paramref name="sigmas"/>, when given, replaces
    /// the default unshifted schedule (Flux pipelines pass linspace(1, 1/N, N)).
    /// </summary>
    public void SetTimesteps(int numInferenceSteps, double? mu, IReadOnlyList<float>? sigmas = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numInferenceSteps, 1);
        if (_config.UseDynamicShifting && mu is null)
        {
            throw new InvalidOperationException("This scheduler config uses dynamic shifting: pass mu to SetTimesteps.");
        }

        if (sigmas is not null && sigmas.Count != numInferenceSteps)
        {
            throw new ArgumentException(
                $"{sigmas.Count} sigmas were given for {numInferenceSteps} steps.", nameof(sigmas));
        }

        int trainSteps = _config.NumTrainTimesteps;
        float[] shifted = sigmas is null
            ? ShiftDefaultSchedule(numInferenceSteps, mu)
            : ShiftGivenSchedule(sigmas, mu);

        if (_config.ShiftTerminal is double terminal)
        {
            StretchToTerminal(shifted, terminal);
        }

        var timesteps = new float[numInferenceSteps];
        var withFinal = new float[numInferenceSteps + 1];
        for (int i = 0; i < numInferenceSteps; i++)
        {
            timesteps[i] = shifted[i] * trainSteps;
            withFinal[i] = shifted[i];
        }

        _timesteps = timesteps;
        _sigmas = withFinal;

        // Kept for CaptureState: with dynamic shifting or caller-given σ the step count alone cannot rebuild the
        // schedule. μ is ignored under a static shift, so it is not kept then (nor can it fail the state's checks).
        _mu = _config.UseDynamicShifting ? mu : null;
        _customSigmas = sigmas is null ? [] : [.. sigmas];
        _nextStep = 0;
    }

    /// <inheritdoc/>
    /// <remarks>Flow-matching models take the latent unscaled; this leaves the sample unchanged.</remarks>
    public void ScaleModelInput(Span<float> sample, int stepIndex)
    {
    }

    /// <inheritdoc/>
    public void Step(ReadOnlySpan<float> modelOutput, int stepIndex, Span<float> sample)
    {
        ScheduleMath.CheckStep(stepIndex, _timesteps.Length, modelOutput.Length, sample.Length);
        float dt = _sigmas[stepIndex + 1] - _sigmas[stepIndex];
        for (int i = 0; i < sample.Length; i++)
        {
            sample[i] += dt * modelOutput[i];
        }

        _nextStep = stepIndex + 1;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Besides the position, the state records the μ and caller-given σ passed to
    /// <see cref="SetTimesteps(int, double?, IReadOnlyList{float}?)"/>, from which restoring rebuilds the same schedule.
    /// </remarks>
    public SchedulerState CaptureState()
    {
        ScheduleMath.CheckCapturable(_timesteps.Length);
        return new SchedulerState(SchedulerKind.FlowMatchEuler, _timesteps.Length, _nextStep, history: null, _mu, _customSigmas);
    }

    /// <inheritdoc/>
    public void RestoreState(SchedulerState state)
    {
        ScheduleMath.CheckRestorable(state, SchedulerKind.FlowMatchEuler, int.MaxValue);
        if (_config.UseDynamicShifting && state.Mu is null)
        {
            throw new ArgumentException("This scheduler config shifts dynamically, but the state carries no μ.", nameof(state));
        }

        SetTimesteps(state.NumInferenceSteps, state.Mu, state.CustomSigmasArray.Length == 0 ? null : state.CustomSigmasArray);
        _nextStep = state.StepIndex;
    }

    private float TrainingSigma(int timestep)
    {
        float sigma = (float)timestep / _config.NumTrainTimesteps;
        if (_config.UseDynamicShifting)
        {
            return sigma;
        }

        float shift = (float)_config.Shift;
        return shift * sigma / (1f + ((float)(_config.Shift - 1) * sigma));
    }

    /// <summary>diffusers' default path, in float64 numpy: evenly spaced timesteps between the training ends.</summary>
    private float[] ShiftDefaultSchedule(int numInferenceSteps, double? mu)
    {
        int trainSteps = _config.NumTrainTimesteps;
        double[] timesteps = ScheduleMath.Linspace(
            (double)_trainingSigmaMax * trainSteps, (double)_trainingSigmaMin * trainSteps, numInferenceSteps);
        var result = new float[numInferenceSteps];
        for (int i = 0; i < numInferenceSteps; i++)
        {
            double sigma = timesteps[i] / trainSteps;
            double shifted;
            if (_config.UseDynamicShifting)
            {
                double numerator = _config.TimeShiftType == TimeShiftType.Exponential ? Math.Exp(mu!.Value) : mu!.Value;
                shifted = numerator / (numerator + ((1 / sigma) - 1));
            }
            else
            {
                shifted = _config.Shift * sigma / (1 + ((_config.Shift - 1) * sigma));
            }

            result[i] = (float)shifted;
        }

        return result;
    }

    /// <summary>Caller-given σ: numpy float32 arrays, so the shift is computed in float32.</summary>
    private float[] ShiftGivenSchedule(IReadOnlyList<float> sigmas, double? mu)
    {
        var result = new float[sigmas.Count];
        for (int i = 0; i < result.Length; i++)
        {
            float sigma = sigmas[i];
            if (_config.UseDynamicShifting)
            {
                float numerator = (float)(_config.TimeShiftType == TimeShiftType.Exponential ? Math.Exp(mu!.Value) : mu!.Value);
                result[i] = numerator / (numerator + ((1f / sigma) - 1f));
            }
            else
            {
                float shift = (float)_config.Shift;
                result[i] = shift * sigma / (1f + ((float)(_config.Shift - 1) * sigma));
            }
        }

        return result;
    }

    /// <summary>diffusers' <c>stretch_shift_to_terminal</c>: rescales 1 − σ so the last σ equals the terminal value.</summary>
    private static void StretchToTerminal(float[] sigmas, double terminal)
    {
        float scale = (1f - sigmas[^1]) / (float)(1 - terminal);
        for (int i = 0; i < sigmas.Length; i++)
        {
            sigmas[i] = 1f - ((1f - sigmas[i]) / scale);
        }
    }
}
