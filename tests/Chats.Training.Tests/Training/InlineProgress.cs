using Chats.Training.Training;

namespace Chats.Training.Tests.Training;

/// <summary>An <see cref="IProgress{T}"/> that calls back synchronously (unlike Progress&lt;T&gt;).</summary>
internal sealed class InlineProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => report(value);
}
