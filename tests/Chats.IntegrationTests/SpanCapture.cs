using System.Collections.Concurrent;
using System.Diagnostics;

namespace Chats.IntegrationTests;

/// <summary>
/// Every span this process finishes while it lives, from every source (Chats, ASP.NET Core, HttpClient, gRPC): the
/// in-process hosts share the process, so one listener sees the whole system. Other tests may run meanwhile; select
/// a generation's spans by trace id.
/// </summary>
internal sealed class SpanCapture : IDisposable
{
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    public SpanCapture()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public IReadOnlyList<Activity> Stopped => [.. _stopped];

    public IReadOnlyList<Activity> Trace(ActivityTraceId traceId) => [.. _stopped.Where(a => a.TraceId == traceId)];

    /// <summary>Waits until <paramref name="done"/> holds for the spans so far (servers stop their spans after the client has its answer).</summary>
    public async Task<IReadOnlyList<Activity>> WaitAsync(Func<IReadOnlyList<Activity>, bool> done, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var spans = Stopped;
            if (done(spans) || DateTime.UtcNow > deadline)
            {
                return spans;
            }

            await Task.Delay(50, ct);
        }
    }

    /// <summary>The spans of one trace as an indented tree (for failure messages).</summary>
    public static string Describe(IReadOnlyList<Activity> spans)
    {
        var byParent = spans.ToLookup(s => s.ParentSpanId);
        var known = spans.Select(s => s.SpanId).ToHashSet();
        var text = new System.Text.StringBuilder();
        void Write(Activity span, int depth)
        {
            text.Append(' ', depth * 2).Append(span.Source.Name).Append(" | ").Append(span.OperationName).Append(" | ").Append(span.DisplayName)
                .Append(" | ").Append(span.Kind).Append(" | ").AppendJoin(", ", span.TagObjects.Select(t => $"{t.Key}={t.Value}")).AppendLine();
            foreach (var child in byParent[span.SpanId].OrderBy(c => c.StartTimeUtc))
            {
                Write(child, depth + 1);
            }
        }

        foreach (var root in spans.Where(s => !known.Contains(s.ParentSpanId)).OrderBy(s => s.StartTimeUtc))
        {
            Write(root, 0);
        }

        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();
}
