namespace Chats.Tools;

/// <summary>What <see cref="PipelineInspector"/> found in a pipeline folder.</summary>
/// <param name="Root">The folder.</param>
/// <param name="ClassName">The pipeline class from model_index.json.</param>
/// <param name="Components">Every component model_index.json names.</param>
public sealed record PipelineDescription(string Root, string ClassName, IReadOnlyList<ComponentDescription> Components);
