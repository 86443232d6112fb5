namespace Chats.Core.Sampling;

/// <summary>Something a running generation reports: progress, then images.</summary>
public abstract record GenerationEvent;
