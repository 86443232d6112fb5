namespace Chats.Core.Schedulers;

/// <summary>
/// DPM-Solver++ multistep (Lu et al. 2022, data prediction), matching diffusers 0.25's
/// <c>DPMSolverMultistepScheduler</c> with <c>algorithm_type = dpmsolver++</c>, order 1 or 2 (midpoint or Heun),
/// optional Karras sigmas and <c>lower_order_final</c>: "DPM++ 2M" as Stable Diffusion UIs use it.
/// Steps must be taken in order, since each step uses the previous step's x₀ prediction.
/// </summary>
public sealed class DpmSolverMultistepScheduler : INoiseScheduler
{
    private readonly SchedulerConfig _config;
    private readonly float[] _alphasCumprod;
    private readonly float[] _trainingSigmas;
    private readonly float[] _logTrainingSigmas;
    private int[] _timesteps = [];
    private float[] _timestepValues = [];
    private float[] _sigmas = [];
    private float[] _previousPrediction = [];
    private float[] _prediction = [];
    private int _nextStep;

    /// <summary>Creates the scheduler; call <see cref="SetTimesteps"/> before sampling.</summary>
    /// <exception cref="ArgumentException">The config asks for flow-velocity prediction.</exception>
    public DpmSolverMultistepScheduler(SchedulerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.PredictionType == PredictionType.FlowVelocity)
        {
            throw new ArgumentException("DPM-Solver does not support flow-velocity prediction.", nameof(config));
        }

        _config = config;
        _alphasCumprod = ScheduleMath.AlphasCumprod(ScheduleMath.Betas(config));
        _trainingSigmas = ScheduleMath.TrainingSigmas(_alphasCumprod);
        _logTrainingSigmas = ScheduleMath.Log(_trainingSigmas);
    }

    /// <inheritdoc/>
    public PredictionType PredictionType => _config.PredictionType;

    /// <inheritdoc/>
    public IReadOnlyList<float> Timesteps => _timestepValues;

    /// <summary>The integer training timesteps of the trajectory, in sampling order.</summary>
    public IReadOnlyList<int> TrainingTimesteps => _timesteps;

    /// <summary>σ at each step plus the final σ (one more entry than <see cref="Timesteps"/>).</summary>
    public IReadOnlyList<float> Sigmas => _sigmas;

    /// <inheritdoc/>
    /// <remarks>DPM-Solver works on variance-preserving latents, so the initial noise is unit Gaussian.</remarks>
    public float InitNoiseSigma => 1f;

    /// <inheritdoc/>
    /// <remarks>Also the order check: <see cref="Step"/> accepts only this index.</remarks>
    public int StepIndex => _nextStep;

    /// <inheritdoc/>
    public void SetTimesteps(int numInferenceSteps)
    {
        int trainSteps = _config.NumTrainTimesteps;
        ArgumentOutOfRangeException.ThrowIfLessThan(numInferenceSteps, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(numInferenceSteps, trainSteps);

        int lastTimestep = trainSteps - ClippedTimestepCount();
        double[] timesteps = new double[numInferenceSteps];
        switch (_config.TimestepSpacing ?? TimestepSpacing.Linspace)
        {
            case TimestepSpacing.Linspace:
                double[] evenly = ScheduleMath.Linspace(0, lastTimestep - 1, numInferenceSteps + 1);
                for (int i = 0; i < numInferenceSteps; i++)
                {
                    timesteps[i] = Math.Round(evenly[numInferenceSteps - i]);
                }

                break;
            case TimestepSpacing.Leading:
                int stepRatio = lastTimestep / (numInferenceSteps + 1);
                for (int i = 0; i < numInferenceSteps; i++)
                {
                    timesteps[i] = ((numInferenceSteps - i) * stepRatio) + _config.StepsOffset;
                }

                break;
            case TimestepSpacing.Trailing:
                double[] fromTop = ScheduleMath.Arange(lastTimestep, 0, -(double)trainSteps / numInferenceSteps);
                for (int i = 0; i < numInferenceSteps; i++)
                {
                    timesteps[i] = Math.Round(fromTop[i]) - 1;
                }

                break;
        }

        var sigmas = new float[numInferenceSteps + 1];
        if (_config.UseKarrasSigmas)
        {
            double[] karras = ScheduleMath.KarrasSigmas(_trainingSigmas[0], _trainingSigmas[^1], numInferenceSteps);
            for (int i = 0; i < numInferenceSteps; i++)
            {
                timesteps[i] = Math.Round(ScheduleMath.SigmaToTimestep(karras[i], _logTrainingSigmas));
                sigmas[i] = (float)karras[i];
            }

            sigmas[^1] = _config.FinalSigmaType == FinalSigmaType.Zero ? 0f : sigmas[^2];
        }
        else
        {
            for (int i = 0; i < numInferenceSteps; i++)
            {
                sigmas[i] = (float)ScheduleMath.Interp(timesteps[i], _trainingSigmas);
            }

            sigmas[^1] = _config.FinalSigmaType == FinalSigmaType.Zero ? 0f : _trainingSigmas[0];
        }

        _timesteps = Array.ConvertAll(timesteps, t => (int)t);
        _timestepValues = Array.ConvertAll(_timesteps, t => (float)t);
        _sigmas = sigmas;
        _previousPrediction = [];
        _prediction = [];
        _nextStep = 0;
    }

    /// <inheritdoc/>
    /// <remarks>DPM-Solver works on unscaled latents; this leaves the sample unchanged.</remarks>
    public void ScaleModelInput(Span<float> sample, int stepIndex)
    {
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException"><paramref name="stepIndex"/> is not the next step.</exception>
    /// <exception cref="ArgumentException">
    /// A second-order step's sample is not as long as the remembered x₀ prediction (e.g. a restored history).
    /// </exception>
    public void Step(ReadOnlySpan<float> modelOutput, int stepIndex, Span<float> sample)
    {
        ScheduleMath.CheckStep(stepIndex, _timesteps.Length, modelOutput.Length, sample.Length);
        if (stepIndex != _nextStep)
        {
            throw new InvalidOperationException(
                $"DPM-Solver steps must be taken in order: expected step {_nextStep}, got {stepIndex}.");
        }

        int stepCount = _timesteps.Length;
        bool shortTrajectory = _config.LowerOrderFinal && stepCount < 15;
        bool lastStep = stepIndex == stepCount - 1;
        bool firstOrder = _config.SolverOrder == 1 || stepIndex == 0 ||
            (lastStep && (_config.EulerAtFinal || shortTrajectory || _config.FinalSigmaType == FinalSigmaType.Zero));

        // Checked before the swap so that a rejected call leaves the history intact; a restored history of
        // another sample size would otherwise be read out of bounds or silently mixed in.
        if (!firstOrder && _prediction.Length != sample.Length)
        {
            throw new ArgumentException(
                $"The sample has {sample.Length} values but the previous step's x₀ prediction has {_prediction.Length}.",
                nameof(sample));
        }

        // Keep the previous x₀ prediction for the second-order update; reuse its buffer for this one.
        (_previousPrediction, _prediction) = (_prediction, _previousPrediction);
        if (_prediction.Length != sample.Length)
        {
            _prediction = new float[sample.Length];
        }

        PredictOriginalSample(modelOutput, stepIndex, sample, _prediction);

        (float alphaT, float sigmaT) = AlphaSigma(_sigmas[stepIndex + 1]);
        (float alphaS0, float sigmaS0) = AlphaSigma(_sigmas[stepIndex]);
        float lambdaT = MathF.Log(alphaT) - MathF.Log(sigmaT);
        float lambdaS0 = MathF.Log(alphaS0) - MathF.Log(sigmaS0);
        float h = lambdaT - lambdaS0;
        float sampleScale = sigmaT / sigmaS0;
        float expTerm = alphaT * (MathF.Exp(-h) - 1f);

        if (firstOrder)
        {
            for (int i = 0; i < sample.Length; i++)
            {
                sample[i] = (sampleScale * sample[i]) - (expTerm * _prediction[i]);
            }
        }
        else
        {
            (float alphaS1, float sigmaS1) = AlphaSigma(_sigmas[stepIndex - 1]);
            float lambdaS1 = MathF.Log(alphaS1) - MathF.Log(sigmaS1);
            float r0 = (lambdaS0 - lambdaS1) / h;
            float inverseR0 = 1f / r0;
            float correction = _config.SolverType == DpmSolverType.Midpoint
                ? 0.5f * expTerm
                : alphaT * (((MathF.Exp(-h) - 1f) / h) + 1f);
            for (int i = 0; i < sample.Length; i++)
            {
                float d1 = inverseR0 * (_prediction[i] - _previousPrediction[i]);
                sample[i] = (sampleScale * sample[i]) - (expTerm * _prediction[i]) - (correction * d1);
            }
        }

        _nextStep++;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// With solver order 2 and at least one step taken, <see cref="SchedulerState.History"/> holds the last step's
    /// x₀ prediction, which the next second-order update differences against. diffusers' <c>lower_order_nums</c>
    /// needs no field of its own: here the lower-order first step follows from the step index alone.
    /// </remarks>
    public SchedulerState CaptureState()
    {
        ScheduleMath.CheckCapturable(_timesteps.Length);
        float[][] history = HistoryCount(_nextStep) == 0 ? [] : [(float[])_prediction.Clone()];
        return SchedulerState.Owning(SchedulerKind.DpmSolverMultistep, _timesteps.Length, _nextStep, history, mu: null, customSigmas: []);
    }

    /// <inheritdoc/>
    public void RestoreState(SchedulerState state)
    {
        ScheduleMath.CheckRestorable(state, SchedulerKind.DpmSolverMultistep, _config.NumTrainTimesteps);
        int expected = HistoryCount(state.StepIndex);
        if (state.History.Count != expected)
        {
            throw new ArgumentException(
                $"DPM-Solver++ of order {_config.SolverOrder} at step {state.StepIndex} needs {expected} previous x₀ " +
                $"prediction(s), but the state has {state.History.Count}.",
                nameof(state));
        }

        SetTimesteps(state.NumInferenceSteps);

        // A copy, since Step reuses these buffers in place.
        _prediction = expected == 0 ? [] : (float[])state.HistoryArrays[0].Clone();
        _nextStep = state.StepIndex;
    }

    /// <summary>How many earlier x₀ predictions the step at <paramref name="stepIndex"/> may read.</summary>
    private int HistoryCount(int stepIndex) => _config.SolverOrder >= 2 && stepIndex > 0 ? 1 : 0;

    /// <summary>x₀ from the model output at σ of <paramref name="stepIndex"/>, in the VP parameterisation.</summary>
    private void PredictOriginalSample(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample, Span<float> x0)
    {
        (float alpha, float sigma) = AlphaSigma(_sigmas[stepIndex]);
        bool vPrediction = _config.PredictionType == PredictionType.VPrediction;
        for (int i = 0; i < sample.Length; i++)
        {
            x0[i] = vPrediction
                ? (alpha * sample[i]) - (sigma * modelOutput[i])
                : (sample[i] - (sigma * modelOutput[i])) / alpha;
        }
    }

    /// <summary>α_t = 1/√(σ² + 1) and σ_t = σ·α_t of the variance-preserving process at k-diffusion σ.</summary>
    private static (float Alpha, float Sigma) AlphaSigma(float sigma)
    {
        float alpha = 1f / MathF.Sqrt((sigma * sigma) + 1f);
        return (alpha, sigma * alpha);
    }

    /// <summary>How many of the smallest timesteps <c>lambda_min_clipped</c> cuts off (0 for −∞).</summary>
    private int ClippedTimestepCount()
    {
        // torch.searchsorted over λ(t) from t = T − 1 down to 0 (ascending): the first index not below the bound.
        int count = 0;
        for (int t = _alphasCumprod.Length - 1; t >= 0; t--)
        {
            float alpha = MathF.Sqrt(_alphasCumprod[t]);
            float sigma = MathF.Sqrt(1f - _alphasCumprod[t]);
            float lambda = MathF.Log(alpha) - MathF.Log(sigma);
            if (lambda >= _config.LambdaMinClipped)
            {
                break;
            }

            count++;
        }

        return count;
    }
}
