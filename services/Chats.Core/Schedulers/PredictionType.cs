namespace Chats.Core.Schedulers;

/// <summary>The quantity a denoiser predicts (diffusers' <c>prediction_type</c>).</summary>
public enum PredictionType
{
    /// <summary>Noise ε (<c>epsilon</c>).</summary>
    Epsilon,

    /// <summary>Velocity v = α·ε − σ·x (<c>v_prediction</c>).</summary>
    VPrediction,

    /// <summary>Rectified-flow velocity v = ε − x (flow-matching models).</summary>
    FlowVelocity,
}
