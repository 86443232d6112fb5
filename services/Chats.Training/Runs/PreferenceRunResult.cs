namespace Chats.Training.Runs;

/// <summary>What a <see cref="PreferenceRun"/> did.</summary>
/// <param name="Output">The full path of the written pipeline / checkpoint folder.</param>
/// <param name="StartStep">The step the run started from (0, or the resumed checkpoint's step).</param>
/// <param name="Step">The step the run ended at.</param>
/// <param name="Pairs">Preference pairs encoded.</param>
/// <param name="LastLoss">The last step's loss; null when no step ran (already at the target).</param>
public sealed record PreferenceRunResult(string Output, int StartStep, int Step, int Pairs, float? LastLoss);
