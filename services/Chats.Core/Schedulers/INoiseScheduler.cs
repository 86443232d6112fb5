namespace Chats.Core.Schedulers;

/// <summary>
/// One denoising trajectory's scheduler. Instances are stateful (multistep solvers remember earlier
/// outputs), so create one per generation.
/// All tensors are flat fp32 buffers in NCHW order; the scheduler works elementwise.
/// </summary>
public interface INoiseScheduler
{
    /// <summary>What the model predicts: ε, v (diffusion) or the flow velocity.</summary>
    PredictionType PredictionType { get; }

    /// <summary>The model timesteps of the trajectory, in sampling order; set by <see cref="SetTimesteps"/>.</summary>
    IReadOnlyList<float> Timesteps { get; }

    /// <summary>Standard deviation of the initial noise (multiply a unit Gaussian by it).</summary>
    float InitNoiseSigma { get; }

    /// <summary>
    /// The next step to take: 0 after <see cref="SetTimesteps"/>, then one past the last step given to
    /// <see cref="Step"/>; a restored trajectory continues from here.
    /// </summary>
    int StepIndex { get; }

    /// <summary>Prepares a trajectory of <paramref name="numInferenceSteps"/> steps.</summary>
    void SetTimesteps(int numInferenceSteps);

    /// <summary>Scales the latent in place before it is given to the model at step <paramref name="stepIndex"/>.</summary>
    void ScaleModelInput(Span<float> sample, int stepIndex);

    /// <summary>Advances <paramref name="sample"/> in place from step <paramref name="stepIndex"/> to the next one.</summary>
    void Step(ReadOnlySpan<float> modelOutput, int stepIndex, Span<float> sample);

    /// <summary>
    /// A snapshot of the trajectory so far: the step count, <see cref="StepIndex"/> and any history the next steps
    /// need. The sample is not included; store it alongside.
    /// </summary>
    /// <exception cref="InvalidOperationException"><see cref="SetTimesteps"/> has not been called.</exception>
    SchedulerState CaptureState();

    /// <summary>
    /// Continues a captured trajectory: calls <see cref="SetTimesteps"/> with the state's step count, then takes over
    /// its step index and history. The scheduler must have the config of the one that captured the state; given the
    /// sample stored with it, the remaining steps then produce bitwise the same result. On failure the scheduler is
    /// left as it was.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The state is of another kind, its step count does not suit the config, or its history does not match what
    /// this scheduler keeps at that step.
    /// </exception>
    void RestoreState(SchedulerState state);
}
