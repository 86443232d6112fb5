namespace Chats.Training.Training;

/// <summary>Reported after each optimiser step; enough for a CLI progress bar.</summary>
/// <param name="Step">Optimiser steps done in total (including those before a resume).</param>
/// <param name="TotalSteps">The step the current run ends at.</param>
/// <param name="Loss">The step's loss.</param>
/// <param name="StepsPerSecond">Average speed over this run so far.</param>
/// <param name="Eta">Estimated time to <paramref name="TotalSteps"/>.</param>
public readonly record struct TrainingProgress(int Step, int TotalSteps, float Loss, double StepsPerSecond, TimeSpan Eta);
