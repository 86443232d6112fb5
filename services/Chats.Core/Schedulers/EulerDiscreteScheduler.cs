namespace Chats.Core.Schedulers;

/// <summary>
/// Euler sampler over k-diffusion sigmas (Karras et al. 2022, Algorithm 2 with no churn), matching diffusers
/// 0.25's <c>EulerDiscreteScheduler</c>: σ interpolated linearly between training timesteps, optional Karras
/// sigmas, ε- and v-prediction, and a final σ of 0.
/// </summary>
public sealed class EulerDiscreteScheduler : INoiseScheduler
{
    private readonly SchedulerConfig _config;
    private readonly float[] _trainingSigmas;
    private readonly float[] _logTrainingSigmas;
    private float[] _timesteps = [];
    private float[] _sigmas = [];
    private int _nextStep;

    /// <summary>Creates the scheduler; call <see cref="SetTimesteps"/> before sampling.</summary>
    /// <exception cref="ArgumentException">The config asks for flow-velocity prediction.</exception>
    public EulerDiscreteScheduler(SchedulerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.PredictionType == PredictionType.FlowVelocity)
        {
            throw new ArgumentException("Euler discrete does not support flow-velocity prediction.", nameof(config));
        }

        _config = config;
        _trainingSigmas = ScheduleMath.TrainingSigmas(ScheduleMath.AlphasCumprod(ScheduleMath.Betas(config)));
        _logTrainingSigmas = ScheduleMath.Log(_trainingSigmas);
    }

    /// <inheritdoc/>
    public PredictionType PredictionType => _config.PredictionType;

    /// <inheritdoc/>
    public IReadOnlyList<float> Timesteps => _timesteps;

    /// <summary>σ at each step plus the final σ = 0 (one more entry than <see cref="Timesteps"/>).</summary>
    public IReadOnlyList<float> Sigmas => _sigmas;

    /// <inheritdoc/>
    /// <remarks>
    /// As diffusers computes it: σ_max for linspace and trailing spacing, √(σ_max² + 1) for leading spacing
    /// (before <see cref="SetTimesteps"/>, σ_max of the training schedule).
    /// </remarks>
    public float InitNoiseSigma
    {
        get
        {
            float maxSigma = _sigmas.Length > 0 ? _sigmas.Max() : _trainingSigmas.Max();
            return Spacing is TimestepSpacing.Linspace or TimestepSpacing.Trailing
                ? maxSigma
                : MathF.Sqrt((maxSigma * maxSigma) + 1f);
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Unlike diffusers' <c>_step_index</c>, this does not choose σ: <see cref="Step(ReadOnlySpan{float}, int, Span{float})"/>
    /// takes the index explicitly, so this only records the position.
    /// </remarks>
    public int StepIndex => _nextStep;

    private TimestepSpacing Spacing => _config.TimestepSpacing ?? TimestepSpacing.Linspace;

    /// <inheritdoc/>
    public void SetTimesteps(int numInferenceSteps)
    {
        int trainSteps = _config.NumTrainTimesteps;
        ArgumentOutOfRangeException.ThrowIfLessThan(numInferenceSteps, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(numInferenceSteps, trainSteps);

        // diffusers builds these in numpy and stores them as float32 before interpolating.
        var timesteps = new float[numInferenceSteps];
        switch (Spacing)
        {
            case TimestepSpacing.Linspace:
                double[] evenly = ScheduleMath.Linspace(0, trainSteps - 1, numInferenceSteps);
                for (int i = 0; i < numInferenceSteps; i++)
                {
                    timesteps[i] = (float)evenly[numInferenceSteps - 1 - i];
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
                    timesteps[i] = (float)Math.Round(fromTop[i]) - 1f;
                }

                break;
        }

        var sigmas = new double[numInferenceSteps];
        for (int i = 0; i < numInferenceSteps; i++)
        {
            sigmas[i] = ScheduleMath.Interp(timesteps[i], _trainingSigmas);
        }

        if (_config.UseKarrasSigmas)
        {
            sigmas = ScheduleMath.KarrasSigmas(
                _config.SigmaMin ?? sigmas[^1], _config.SigmaMax ?? sigmas[0], numInferenceSteps);
            for (int i = 0; i < numInferenceSteps; i++)
            {
                timesteps[i] = (float)ScheduleMath.SigmaToTimestep(sigmas[i], _logTrainingSigmas);
            }
        }

        var finalSigmas = new float[numInferenceSteps + 1];
        for (int i = 0; i < numInferenceSteps; i++)
        {
            finalSigmas[i] = (float)sigmas[i];
        }

        _timesteps = timesteps;
        _sigmas = finalSigmas;
        _nextStep = 0;
    }

    /// <inheritdoc/>
    /// <remarks>Divides by √(σ² + 1) so the model sees unit-variance input.</remarks>
    public void ScaleModelInput(Span<float> sample, int stepIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stepIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(stepIndex, _timesteps.Length);
        float sigma = _sigmas[stepIndex];
        float scale = MathF.Sqrt((sigma * sigma) + 1f);
        for (int i = 0; i < sample.Length; i++)
        {
            sample[i] /= scale;
        }
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

        float sigma = _sigmas[stepIndex];
        float dt = _sigmas[stepIndex + 1] - sigma;
        float sigmaSquaredPlusOne = (sigma * sigma) + 1f;
        float outputScale = -sigma / MathF.Sqrt(sigmaSquaredPlusOne);
        bool vPrediction = _config.PredictionType == PredictionType.VPrediction;

        // The x₀ round trip is kept rather than simplified to x + ε·dt: diffusers rounds through it.
        for (int i = 0; i < sample.Length; i++)
        {
            float x = sample[i];
            float x0 = vPrediction
                ? (modelOutput[i] * outputScale) + (x / sigmaSquaredPlusOne)
                : x - (sigma * modelOutput[i]);
            if (!predictedOriginalSample.IsEmpty)
            {
                predictedOriginalSample[i] = x0;
            }

            float derivative = (x - x0) / sigma;
            sample[i] = x + (derivative * dt);
        }

        _nextStep = stepIndex + 1;
    }

    /// <inheritdoc/>
    /// <remarks>Euler without churn keeps nothing between steps: σ and the timesteps are rebuilt by SetTimesteps.</remarks>
    public SchedulerState CaptureState()
    {
        ScheduleMath.CheckCapturable(_timesteps.Length);
        return new SchedulerState(SchedulerKind.EulerDiscrete, _timesteps.Length, _nextStep);
    }

    /// <inheritdoc/>
    public void RestoreState(SchedulerState state)
    {
        ScheduleMath.CheckRestorable(state, SchedulerKind.EulerDiscrete, _config.NumTrainTimesteps);
        SetTimesteps(state.NumInferenceSteps);
        _nextStep = state.StepIndex;
    }
}
