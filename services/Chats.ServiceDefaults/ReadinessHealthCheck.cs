using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Chats.ServiceDefaults;

/// <summary>Healthy once listening (weights are loaded before that), unhealthy from the start of a drain.</summary>
internal sealed class ReadinessHealthCheck(ServiceDrain drain) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        => Task.FromResult(drain.IsDraining ? HealthCheckResult.Unhealthy("draining") : HealthCheckResult.Healthy("weights loaded"));
}
