using Chats.Training.Losses;

namespace Chats.Training.Training;

/// <summary>The preference objective of a <see cref="PreferenceTrainer"/>.</summary>
public sealed record PreferenceOptions
{
    /// <summary>Which loss (CHATS, Diffusion-DPO or a Table 4 variant).</summary>
    public PreferenceMethod Method { get; init; } = PreferenceMethod.Chats;

    /// <summary>β of the preference losses.</summary>
    public double Beta { get; init; } = PreferenceLosses.DefaultBeta;

    /// <summary>Probability that a batch's dispreferred side uses the null conditioning (CHATS methods).</summary>
    public double PUncond { get; init; } = 0.5;
}
