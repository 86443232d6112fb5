using Chats.Inference.Engine;
using Chats.ServiceDefaults;
using Prometheus;

namespace Chats.Denoiser;

/// <summary>Feeds a session engine's forward passes and queue state into the Prometheus metrics of its role.</summary>
internal static class DenoiserMetrics
{
    public static void Observe(DenoiserSessionEngine engine, string role)
    {
        var requests = ChatsMetrics.DenoiserRequests.WithLabels(role);
        var inferences = ChatsMetrics.DenoiserInferences.WithLabels(role);
        var executions = ChatsMetrics.DenoiserExecutions.WithLabels(role);
        var batchSize = ChatsMetrics.DenoiserBatchSize.WithLabels(role);
        var queue = ChatsMetrics.DenoiserQueueSeconds.WithLabels(role);
        var compute = ChatsMetrics.DenoiserComputeSeconds.WithLabels(role);
        engine.BatchExecuted += stats =>
        {
            requests.Inc(stats.Steps);
            inferences.Inc(stats.Rows);
            executions.Inc();
            batchSize.Observe(stats.Rows);
            foreach (double wait in stats.QueueSeconds)
            {
                queue.Observe(wait);
            }

            compute.Observe(stats.ComputeSeconds);
        };

        // Gauges are read when scraped, so they are exact then without a write per step.
        var pending = ChatsMetrics.DenoiserPendingSteps.WithLabels(role);
        var sessions = ChatsMetrics.DenoiserActiveSessions.WithLabels(role);
        Metrics.DefaultRegistry.AddBeforeCollectCallback(() =>
        {
            pending.Set(engine.PendingSteps);
            sessions.Set(engine.ActiveSessions);
        });
    }
}
