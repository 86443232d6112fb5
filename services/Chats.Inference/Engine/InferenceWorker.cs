using System.Threading.Channels;
using TorchSharp;
using Chats.Core.Sampling;

namespace Chats.Inference.Engine;

/// <summary>
/// Runs model work on one dedicated thread. TorchSharp's inference mode and dispose scopes are
/// thread-local, so model calls must not hop between thread-pool threads across awaits; a single owner
/// thread also serialises access to the model's weights. This queue is where step batching across
/// sessions plugs in later.
/// </summary>
public sealed class InferenceWorker : IDisposable
{
    private readonly Channel<WorkItem> _queue;
    private readonly Thread _thread;
    private readonly int _threads;

    /// <summary>
    /// Starts the worker thread, named <paramref name="name"/>; <paramref name="capacity"/> bounds queued calls;
    /// <paramref name="threads"/> is its libtorch intra-op thread count (0 = <see cref="TorchThreads.Resolve"/>'s default).
    /// </summary>
    public InferenceWorker(string name, int capacity = 64, int threads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        _threads = threads;
        _queue = Channel.CreateBounded<WorkItem>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Number of work items waiting (not counting the one running).</summary>
    public int QueueLength => _queue.Reader.Count;

    /// <summary>
    /// Queues <paramref name="work"/>; it runs under <c>torch.inference_mode()</c> and a dispose scope, so
    /// tensors it creates are freed unless it returns managed data. Throws <see cref="WorkerBusyException"/>
    /// when the queue is full.
    /// </summary>
    public Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken = default)
    {
        var item = new WorkItem<T>(work, cancellationToken);
        if (!_queue.Writer.TryWrite(item))
        {
            throw new WorkerBusyException(_thread.Name ?? "inference");
        }

        return item.Completion.Task;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _thread.Join(TimeSpan.FromSeconds(10));
    }

    private void Run()
    {
        TorchThreads.ApplyToCurrentThread(_threads);
        using var mode = torch.inference_mode();
        while (_queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (_queue.Reader.TryRead(out var item))
            {
                item.Execute();
            }
        }
    }

    private abstract class WorkItem
    {
        public abstract void Execute();
    }

    private sealed class WorkItem<T>(Func<T> work, CancellationToken cancellationToken) : WorkItem
    {
        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Execute()
        {
            if (cancellationToken.IsCancellationRequested)
            {
                Completion.TrySetCanceled(cancellationToken);
                return;
            }

            try
            {
                using var scope = torch.NewDisposeScope();
                Completion.TrySetResult(work());
            }
#pragma warning disable CA1031 // The failure is handed to the caller's task, not swallowed.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Completion.TrySetException(ex);
            }
        }
    }
}
