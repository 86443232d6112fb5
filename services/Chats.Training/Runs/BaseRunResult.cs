namespace Chats.Training.Runs;

/// <summary>What a <see cref="ShapesBaseRun"/> did.</summary>
/// <param name="Output">The pipeline folder.</param>
/// <param name="StartStep">The UNet stage's step when this invocation began it (0 unless resumed).</param>
/// <param name="Step">The UNet stage's final step.</param>
/// <param name="VaeStage">Wall time of rendering and the VAE stage in this invocation.</param>
/// <param name="Total">Wall time of this invocation.</param>
/// <param name="ScalingFactor">The VAE's latent scaling factor.</param>
public sealed record BaseRunResult(string Output, int StartStep, int Step, TimeSpan VaeStage, TimeSpan Total, double ScalingFactor);
