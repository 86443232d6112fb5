namespace Chats.Training.Shapes;

/// <summary>The scorer's verdict on one generated image.</summary>
/// <param name="Category">The entry's category.</param>
/// <param name="Seed">The evaluation seed the image was generated with.</param>
/// <param name="Correct">Whether the image was judged correct for its prompt.</param>
public readonly record struct ShapesJudgement(ShapesCategory Category, int Seed, bool Correct);
