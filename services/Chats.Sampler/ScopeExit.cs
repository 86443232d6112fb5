namespace Chats.Sampler;

/// <summary>Runs an action once when disposed (a gauge decrement on every way out of a call).</summary>
internal sealed class ScopeExit(Action action) : IDisposable
{
    private int _done;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            action();
        }
    }
}
