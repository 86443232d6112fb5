namespace Chats.Core.Sampling;

/// <summary>Step <paramref name="Step"/> (1-based) of <paramref name="TotalSteps"/> has finished.</summary>
public sealed record GenerationProgressEvent(int Step, int TotalSteps) : GenerationEvent;
