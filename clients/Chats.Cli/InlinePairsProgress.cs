using Chats.Training.Shapes;

namespace Chats.Cli;

/// <summary>An <see cref="IProgress{T}"/> that calls back on the reporting thread, so the line is drawn before the next prompt starts.</summary>
internal sealed class InlinePairsProgress(Action<ShapesPairsProgress> report) : IProgress<ShapesPairsProgress>
{
    public void Report(ShapesPairsProgress value) => report(value);
}
