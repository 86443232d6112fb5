namespace Chats.Training.Shapes;

/// <summary>One request of a sampling round that <see cref="ShapesPairsBudgetPlanner"/> plans.</summary>
/// <param name="Prompt">The prompt's 0-based index in the run.</param>
/// <param name="FirstImage">The 0-based index, among the prompt's images, of the first image to sample (its seed follows from it, <see cref="ShapesPairsOptions.ImageSeed"/>).</param>
/// <param name="Count">Images to sample.</param>
public readonly record struct ShapesSampleRequest(int Prompt, int FirstImage, int Count);
