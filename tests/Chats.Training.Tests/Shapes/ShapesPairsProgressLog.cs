using Chats.Training.Shapes;

namespace Chats.Training.Tests.Shapes;

/// <summary>Records <see cref="ShapesPairsProgress"/> reports synchronously (Progress&lt;T&gt; would post them later), then calls <paramref name="onReport"/>.</summary>
internal sealed class ShapesPairsProgressLog(Action<ShapesPairsProgress>? onReport = null) : IProgress<ShapesPairsProgress>
{
    public List<ShapesPairsProgress> Reports { get; } = [];

    public void Report(ShapesPairsProgress value)
    {
        Reports.Add(value);
        onReport?.Invoke(value);
    }
}
