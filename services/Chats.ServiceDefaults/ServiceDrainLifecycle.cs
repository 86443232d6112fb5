using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Chats.ServiceDefaults;

/// <summary>
/// Runs the <see cref="ServiceDrain"/> when the host begins to stop, before Kestrel closes its listeners: stopping
/// hooks of lifecycle services run ahead of every hosted service's StopAsync, the web server's included.
/// </summary>
internal sealed class ServiceDrainLifecycle(ServiceDrain drain, IOptions<EndpointOptions> endpoints, ILogger<ServiceDrainLifecycle> logger)
    : IHostedLifecycleService
{
    /// <summary>How long calls cancelled at the drain timeout get to send their UNAVAILABLE status.</summary>
    internal static readonly TimeSpan CancelledCallsGrace = TimeSpan.FromSeconds(5);

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var timeout = endpoints.Value.DrainTimeout;
        logger.LogInformation("Draining: NOT_SERVING, refusing new calls, waiting up to {Timeout} for {InFlight} in-flight calls", timeout, drain.InFlight);
        bool finished = await drain.DrainAsync(timeout, CancelledCallsGrace, cancellationToken);
        if (finished)
        {
            logger.LogInformation("Drained: every in-flight call finished");
        }
        else
        {
            logger.LogWarning("Drain timeout ({Timeout}) passed; {InFlight} calls were ended with UNAVAILABLE", timeout, drain.InFlight);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
