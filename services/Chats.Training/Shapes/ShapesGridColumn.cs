namespace Chats.Training.Shapes;

/// <summary>One column of a <see cref="ShapesImageGrid"/>: a folder of generated <c>{id}_s{seed}.png</c> images.</summary>
/// <param name="Header">The text above the column (the method's name).</param>
/// <param name="Folder">The folder holding the images.</param>
public sealed record ShapesGridColumn(string Header, string Folder);
