namespace Chats.Cli.Benchmarks;

/// <summary>Where one role's share of a step went, in milliseconds (means over a measured run).</summary>
/// <param name="Role">preferred, dispreferred or standard.</param>
/// <param name="CallMs">The sampler's call for one step, request to predictions.</param>
/// <param name="QueueMs">Of it, the wait in the denoiser's queue for a forward pass.</param>
/// <param name="ForwardMs">One UNet forward pass, host tensors to host tensors (shared by the steps batched into it).</param>
/// <param name="StepsPerForward">Steps answered per forward pass (1 without batching).</param>
/// <param name="RowsPerForward">Latent rows per forward pass (2 per CFG step).</param>
/// <param name="WireMs">The call minus the denoiser's own time for the step (queue and forward): serialising, HTTP/2, scheduling.</param>
internal sealed record RoleStepBreakdown(
    string Role, double CallMs, double QueueMs, double ForwardMs, double StepsPerForward, double RowsPerForward, double WireMs);
