namespace Chats.Training.Shapes;

/// <summary>Reported by <see cref="ShapesPreferencePairs"/> after each request.</summary>
/// <param name="PromptsDone">Requests of this round sampled, judged and paired so far (in the first round, prompts).</param>
/// <param name="TotalPrompts">Requests in this round (in the first round, the prompts of the run).</param>
/// <param name="Pairs">Pairs written so far, over all rounds.</param>
/// <param name="Round">0 for the first round (K images of every prompt), 1, 2, ... for the extra rounds of thin categories.</param>
public readonly record struct ShapesPairsProgress(int PromptsDone, int TotalPrompts, int Pairs, int Round = 0);
