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

    /// <summary>Prepares a trajectory of <paramref name="numInferenceSteps"/> steps.</summary>
    void SetTimesteps(int numInferenceSteps);

    /// <summary>Scales the latent in place before it is given to the model at step <paramref name="stepIndex"/>.</summary>
    void ScaleModelInput(Span<float> sample, int stepIndex);

    /// <summary>Advances <paramref name="sample"/> in place from step <paramref name="stepIndex"/> to the next one.</summary>
    void Step(ReadOnlySpan<float> modelOutput, int stepIndex, Span<float> sample);
}
