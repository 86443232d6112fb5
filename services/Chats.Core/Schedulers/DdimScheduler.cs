namespace Chats.Core.Schedulers;

/// <summary>
/// Deterministic DDIM (Song et al. 2020, η = 0), matching diffusers 0.25's <c>DDIMScheduler</c> for ε- and
/// v-prediction, all three timestep spacings, <c>set_alpha_to_one</c>, <c>steps_offset</c> and <c>clip_sample</c>.
/// </summary>
public sealed class DdimScheduler : INoiseScheduler
{
    private readonly SchedulerConfig _config;
    private readonly float[] _alphasCumprod;
    private readonly float _finalAlphaCumprod;
    private int[] _timesteps = [];
    private float[] _timestepValues = [];
    private int _nextStep;

    /// <summary>Creates the scheduler; call <see cref="SetTimesteps"/> before sampling.</summary>
    /// <exception cref="ArgumentException">The config asks for flow-velocity prediction.</exception>
    public DdimScheduler(SchedulerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.PredictionType == PredictionType.FlowVelocity)
        {
            throw new ArgumentException("DDIM does not support flow-velocity prediction.", nameof(config));
        }

        _config = config;
        _alphasCumprod = ScheduleMath.AlphasCumprod(ScheduleMath.Betas(config));
        _finalAlphaCumprod = config.SetAlphaToOne ? 1f : _alphasCumprod[0];
    }

    /// <inheritdoc/>
    public PredictionType PredictionType => _config.PredictionType;

    /// <inheritdoc/>
    public IReadOnlyList<float> Timesteps => _timestepValues;

    /// <summary>The integer training timesteps of the trajectory, in sampling order.</summary>
    public IReadOnlyList<int> TrainingTimesteps => _timesteps;

    /// <summary>ᾱ_t for t = 0…T − 1, float32 as diffusers computes it.</summary>
    public IReadOnlyList<float> AlphasCumprod => _alphasCumprod;

    /// <inheritdoc/>
    public float InitNoiseSigma => 1f;

    /// <inheritdoc/>
    /// <remarks>DDIM does not need steps in order (each uses only its own timestep); this only records the position.</remarks>
    public int StepIndex => _nextStep;

    /// <inheritdoc/>
    public void SetTimesteps(int numInferenceSteps)
    {
        int trainSteps = _config.NumTrainTimesteps;
        ArgumentOutOfRangeException.ThrowIfLessThan(numInferenceSteps, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(numInferenceSteps, trainSteps);

        var timesteps = new int[numInferenceSteps];
        switch (_config.TimestepSpacing ?? TimestepSpacing.Leading)
        {
            case TimestepSpacing.Linspace:
                double[] evenly = ScheduleMath.Linspace(0, trainSteps - 1, numInferenceSteps);
                for (int i = 0; i < numInferenceSteps; i++)
                {
                    timesteps[i] = (int)Math.Round(evenly[numInferenceSteps - 1 - i]);
                }

                break;
            case TimestepSpacing.Leading:
                int stepRatio = trainSteps / numInferenceSteps;
                for (int i = 0; i < numInferenceSteps; i++)
                {
                    timesteps[i] = ((numInferenceSteps - 1 - i) * stepRatio) + _config.StepsOffset;
                }

                break;
            case TimestepSpacing.Trailing:
                double[] fromTop = ScheduleMath.Arange(trainSteps, 0, -(double)trainSteps / numInferenceSteps);
                for (int i = 0; i < numInferenceSteps; i++)
                {
                    timesteps[i] = (int)Math.Round(fromTop[i]) - 1;
                }

                break;
        }

        // Leading spacing with steps_offset reaches T itself at numInferenceSteps = T (diffusers then fails with an
        // IndexError at the first step); refuse it here, where the caller can name the field.
        if (timesteps[0] >= trainSteps)
        {
            throw new ArgumentOutOfRangeException(
                nameof(numInferenceSteps), numInferenceSteps,
                $"{numInferenceSteps} steps with steps_offset {_config.StepsOffset} start at timestep {timesteps[0]}, past the last of {trainSteps} training timesteps");
        }

        _timesteps = timesteps;
        _timestepValues = Array.ConvertAll(timesteps, t => (float)t);
        _nextStep = 0;
    }

    /// <inheritdoc/>
    /// <remarks>DDIM works on unscaled latents; this leaves the sample unchanged.</remarks>
    public void ScaleModelInput(Span<float> sample, int stepIndex)
    {
    }

    /// <inheritdoc/>
    public void Step(ReadOnlySpan<float> modelOutput, int stepIndex, Span<float> sample) =>
        Step(modelOutput, stepIndex, sample, predictedOriginalSample: default);

    /// <summary>
    /// Advances <paramref name="sample"/> in place and, when <paramref name="predictedOriginalSample"/> is not
    /// empty, writes the predicted x₀ into it.
    /// </summary>
    public void Step(ReadOnlySpan<float> modelOutput, int stepIndex, Span<float> sample, Span<float> predictedOriginalSample)
    {
        ScheduleMath.CheckStep(stepIndex, _timesteps.Length, modelOutput.Length, sample.Length);
        if (!predictedOriginalSample.IsEmpty && predictedOriginalSample.Length != sample.Length)
        {
            throw new ArgumentException("The x₀ buffer must be as long as the sample.", nameof(predictedOriginalSample));
        }

        int timestep = _timesteps[stepIndex];

        // diffusers steps back by T / N whatever the spacing, so non-leading spacings may land between the
        // scheduled timesteps; kept for parity.
        int previousTimestep = timestep - (_config.NumTrainTimesteps / _timesteps.Length);
        float alphaProd = _alphasCumprod[timestep];
        float alphaProdPrevious = previousTimestep >= 0 ? _alphasCumprod[previousTimestep] : _finalAlphaCumprod;
        float betaProd = 1f - alphaProd;
        float sqrtAlphaProd = MathF.Sqrt(alphaProd);
        float sqrtBetaProd = MathF.Sqrt(betaProd);
        float sqrtAlphaProdPrevious = MathF.Sqrt(alphaProdPrevious);
        float directionScale = MathF.Sqrt(1f - alphaProdPrevious);
        float clip = (float)_config.ClipSampleRange;
        bool vPrediction = _config.PredictionType == PredictionType.VPrediction;

        for (int i = 0; i < sample.Length; i++)
        {
            float x = sample[i];
            float output = modelOutput[i];
            float x0;
            float epsilon;
            if (vPrediction)
            {
                x0 = (sqrtAlphaProd * x) - (sqrtBetaProd * output);
                epsilon = (sqrtAlphaProd * output) + (sqrtBetaProd * x);
            }
            else
            {
                x0 = (x - (sqrtBetaProd * output)) / sqrtAlphaProd;
                epsilon = output;
            }

            if (_config.ClipSample)
            {
                x0 = Math.Clamp(x0, -clip, clip);
            }

            if (!predictedOriginalSample.IsEmpty)
            {
                predictedOriginalSample[i] = x0;
            }

            sample[i] = (sqrtAlphaProdPrevious * x0) + (directionScale * epsilon);
        }

        _nextStep = stepIndex + 1;
    }

    /// <inheritdoc/>
    /// <remarks>DDIM (η = 0) keeps nothing between steps beyond the step count and position.</remarks>
    public SchedulerState CaptureState()
    {
        ScheduleMath.CheckCapturable(_timesteps.Length);
        return new SchedulerState(SchedulerKind.Ddim, _timesteps.Length, _nextStep);
    }

    /// <inheritdoc/>
    public void RestoreState(SchedulerState state)
    {
        ScheduleMath.CheckRestorable(state, SchedulerKind.Ddim, _config.NumTrainTimesteps);
        SetTimesteps(state.NumInferenceSteps);
        _nextStep = state.StepIndex;
    }
}
