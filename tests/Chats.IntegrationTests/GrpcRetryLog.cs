using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Chats.IntegrationTests;

/// <summary>
/// A logger provider that keeps grpc-dotnet's own record of its retry decisions (the debug event "RetryEvaluated" of
/// its retry call, with the attempt's status and whether it will retry): what the channel did, seen from inside it.
/// </summary>
internal sealed class GrpcRetryLog : ILoggerProvider, ILogger
{
    private readonly List<(StatusCode Status, bool WillRetry)> _evaluations = [];
    private readonly List<(StatusCode Status, TaskCompletionSource Seen)> _waiters = [];

    /// <summary>Every evaluation so far, in order.</summary>
    public IReadOnlyList<(StatusCode Status, bool WillRetry)> Evaluations
    {
        get
        {
            lock (_evaluations)
            {
                return [.. _evaluations];
            }
        }
    }

    /// <summary>Completes once an attempt failed with <paramref name="status"/> and the channel decided to retry it.</summary>
    public Task RetryingAsync(StatusCode status, CancellationToken ct)
    {
        lock (_evaluations)
        {
            if (_evaluations.Contains((status, true)))
            {
                return Task.CompletedTask;
            }

            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((status, seen));
            return seen.Task.WaitAsync(ct);
        }
    }

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (eventId.Name != "RetryEvaluated" || state is not IReadOnlyList<KeyValuePair<string, object?>> values)
        {
            return;
        }

        var status = values.FirstOrDefault(v => v.Key == "StatusCode").Value is StatusCode code ? code : StatusCode.Unknown;
        bool willRetry = values.FirstOrDefault(v => v.Key == "WillRetry").Value is true;
        lock (_evaluations)
        {
            _evaluations.Add((status, willRetry));
            foreach (var waiter in _waiters.Where(w => willRetry && w.Status == status).ToList())
            {
                waiter.Seen.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    public void Dispose()
    {
    }
}
