namespace Chats.Training.Shapes;

/// <summary>A 64 x 64 ShapesEval scene: the objects drawn flat on white (SPEC §1).</summary>
/// <param name="Objects">The objects; their boxes are inside the canvas with a 2 px margin and at least 2 px apart.</param>
public sealed record ShapesScene(IReadOnlyList<SceneObject> Objects);
