namespace Chats.ServiceDefaults;

/// <summary>
/// A service's graceful stop. Once <see cref="Begin"/> runs (SIGTERM), health reports NOT_SERVING and new calls are
/// refused with UNAVAILABLE so that clients go to another replica, while the calls already running go on; when they
/// are done, or when <see cref="EndpointOptions.DrainTimeout"/> has passed (<see cref="Expired"/>), the host stops.
/// </summary>
/// <remarks>
/// In-flight work is counted per gRPC call, by the status interceptor, rather than per session in each service: a
/// denoiser session, a generation and an encode are each one call, so one counter covers every service.
/// </remarks>
public sealed class ServiceDrain : IDisposable
{
    private readonly CancellationTokenSource _expired = new();
    private readonly object _gate = new();
    private TaskCompletionSource _idle = NewIdle(completed: true);
    private int _inFlight;
    private volatile bool _draining;

    /// <summary>True once the drain began: the service takes no new calls.</summary>
    public bool IsDraining => _draining;

    /// <summary>Calls running now (health, reflection and refused calls excluded).</summary>
    public int InFlight
    {
        get
        {
            lock (_gate)
            {
                return _inFlight;
            }
        }
    }

    /// <summary>Fires when the drain timeout passed with calls still running: they must end now, with UNAVAILABLE.</summary>
    public CancellationToken Expired => _expired.Token;

    /// <summary>Counts a new call in; null when the service is draining (the caller refuses the call).</summary>
    public IDisposable? TryEnter()
    {
        lock (_gate)
        {
            if (_draining)
            {
                return null;
            }

            if (_inFlight++ == 0)
            {
                _idle = NewIdle(completed: false);
            }
        }

        return new Entry(this);
    }

    /// <summary>Starts draining: from now on <see cref="TryEnter"/> refuses.</summary>
    public void Begin() => _draining = true;

    /// <summary>
    /// Waits until no call is in flight or <paramref name="timeout"/> passes; on timeout fires <see cref="Expired"/>
    /// and waits up to <paramref name="grace"/> more for the cancelled calls to send their status.
    /// </summary>
    /// <returns>True when every call finished on its own.</returns>
    public async Task<bool> DrainAsync(TimeSpan timeout, TimeSpan grace, CancellationToken cancellationToken)
    {
        Begin();
        Task idle;
        lock (_gate)
        {
            idle = _idle.Task;
        }

        if (await Completes(idle, timeout, cancellationToken))
        {
            return true;
        }

        await _expired.CancelAsync();
        await Completes(idle, grace, cancellationToken);
        return false;
    }

    /// <inheritdoc />
    public void Dispose() => _expired.Dispose();

    private static async Task<bool> Completes(Task task, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(timeout, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (OperationCanceledException)
        {
            // The host's own shutdown timeout ran out first: stop waiting, the host is going down regardless.
            return false;
        }
    }

    private static TaskCompletionSource NewIdle(bool completed)
    {
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed)
        {
            idle.SetResult();
        }

        return idle;
    }

    private void Leave()
    {
        lock (_gate)
        {
            if (--_inFlight == 0)
            {
                _idle.TrySetResult();
            }
        }
    }

    private sealed class Entry(ServiceDrain drain) : IDisposable
    {
        private int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0)
            {
                drain.Leave();
            }
        }
    }
}
