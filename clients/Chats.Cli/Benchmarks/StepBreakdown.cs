namespace Chats.Cli.Benchmarks;

/// <summary>
/// A measured run's time per step and per generation, from the Prometheus series the services keep: the sampler's
/// phase and denoiser-call histograms and each denoiser's queue, compute and step histograms.
/// </summary>
internal sealed record StepBreakdown(IReadOnlyList<RoleStepBreakdown> Roles, double GuidanceMs, double EncodeMs, double DecodeMs)
{
    private static readonly string[] s_roles = ["preferred", "dispreferred", "standard"];

    public static StepBreakdown From(MetricsSnapshot delta)
    {
        var roles = new List<RoleStepBreakdown>();
        foreach (string role in s_roles)
        {
            if (delta.Get("chats_sampler_denoiser_call_duration_seconds_count", "role", role) <= 0)
            {
                continue;
            }

            double executions = delta.Get("chats_denoiser_execution_count_total", "role", role);
            double call = delta.Mean("chats_sampler_denoiser_call_duration_seconds", "role", role);
            double step = delta.Mean("chats_step_seconds", "role", role);
            roles.Add(new RoleStepBreakdown(
                role,
                call * 1e3,
                delta.Mean("chats_denoiser_queue_duration_seconds", "role", role) * 1e3,
                delta.Mean("chats_denoiser_compute_duration_seconds", "role", role) * 1e3,
                delta.Get("chats_denoiser_request_success_total", "role", role) / executions,
                delta.Get("chats_denoiser_inference_count_total", "role", role) / executions,
                (call - step) * 1e3));
        }

        return new StepBreakdown(
            roles,
            delta.Mean("chats_sampler_phase_duration_seconds", "phase", "guidance") * 1e3,
            delta.Mean("chats_sampler_phase_duration_seconds", "phase", "encode") * 1e3,
            delta.Mean("chats_sampler_phase_duration_seconds", "phase", "decode") * 1e3);
    }
}
