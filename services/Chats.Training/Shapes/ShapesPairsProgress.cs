namespace Chats.Training.Shapes;

/// <summary>Reported by <see cref="ShapesPreferencePairs"/> after each prompt.</summary>
/// <param name="PromptsDone">Prompts sampled, judged and paired so far.</param>
/// <param name="TotalPrompts">Prompts in the run.</param>
/// <param name="Pairs">Pairs written so far.</param>
public readonly record struct ShapesPairsProgress(int PromptsDone, int TotalPrompts, int Pairs);
