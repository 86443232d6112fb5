namespace Chats.Core.Schedulers;

/// <summary>
/// How inference timesteps are picked from the training timesteps (diffusers' <c>timestep_spacing</c>;
/// see Table 2 of arXiv:2305.08891).
/// </summary>
public enum TimestepSpacing
{
    /// <summary>Multiples of T / N counted up from 0, plus <c>steps_offset</c> (<c>leading</c>).</summary>
    Leading,

    /// <summary>Counted down from T in steps of T / N, minus one (<c>trailing</c>).</summary>
    Trailing,

    /// <summary>Evenly spaced over [0, T − 1] (<c>linspace</c>).</summary>
    Linspace,
}
