namespace Chats.Cli;

/// <summary>The pipeline to serve and, optionally, the pipeline whose <c>unet</c> is the standard (CFG arm) model.</summary>
/// <param name="Model">Pipeline folder.</param>
/// <param name="StandardModel">Pipeline lending its <c>unet</c> to the standard role when <paramref name="Model"/> has none.</param>
internal sealed record ModelSelection(string Model, string? StandardModel);
