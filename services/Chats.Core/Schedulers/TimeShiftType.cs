namespace Chats.Core.Schedulers;

/// <summary>The resolution-dependent shift used by flow matching with dynamic shifting (<c>time_shift_type</c>).</summary>
public enum TimeShiftType
{
    /// <summary>σ' = e^μ / (e^μ + (1/σ − 1)) (Flux).</summary>
    Exponential,

    /// <summary>σ' = μ / (μ + (1/σ − 1)).</summary>
    Linear,
}
