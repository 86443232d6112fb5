using System.Collections.Concurrent;

namespace Chats.Denoiser;

/// <summary>
/// Recent sessions of this process: how many conditionings each was opened with and how many steps it
/// ran. Bounded; used by operators (logs) and by the integration tests to check protocol behaviour.
/// </summary>
public sealed class DenoiserActivity
{
    private const int Capacity = 1024;
    private readonly ConcurrentDictionary<string, SessionRecord> _sessions = new();
    private readonly ConcurrentQueue<string> _order = new();

    /// <summary>All recorded sessions by id.</summary>
    public IReadOnlyDictionary<string, SessionRecord> Sessions => _sessions;

    internal SessionRecord Open(string sessionId, int conditionings)
    {
        var record = new SessionRecord(sessionId, conditionings);
        _sessions[sessionId] = record;
        _order.Enqueue(sessionId);
        while (_sessions.Count > Capacity && _order.TryDequeue(out var oldest))
        {
            _sessions.TryRemove(oldest, out _);
        }

        return record;
    }

    /// <summary>One session's counters.</summary>
    public sealed class SessionRecord(string sessionId, int conditionings)
    {
        private int _steps;
        private int _predictions;

        /// <summary>Session id as sent by the sampler.</summary>
        public string SessionId { get; } = sessionId;

        /// <summary>Conditionings the session was opened with.</summary>
        public int Conditionings { get; } = conditionings;

        /// <summary>Step messages answered.</summary>
        public int Steps => Volatile.Read(ref _steps);

        /// <summary>Predictions computed (steps × conditionings requested per step).</summary>
        public int Predictions => Volatile.Read(ref _predictions);

        internal void RecordStep(int predictions)
        {
            Interlocked.Increment(ref _steps);
            Interlocked.Add(ref _predictions, predictions);
        }
    }
}
