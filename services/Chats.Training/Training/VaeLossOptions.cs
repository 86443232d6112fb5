namespace Chats.Training.Training;

/// <summary>Weights of the VAE training loss (<see cref="VaeTrainer"/>).</summary>
public sealed record VaeLossOptions
{
    /// <summary>Weight of the KL term (summed over latent elements, mean over the batch).</summary>
    public double KlWeight { get; init; } = 1e-6;

    /// <summary>Reconstruction weight of foreground pixels relative to background pixels.</summary>
    public double ForegroundWeight { get; init; } = 5.0;

    /// <summary>A pixel is foreground when any channel (in [-1, 1]) is below this value; white is 1.</summary>
    public double BackgroundThreshold { get; init; } = 0.98;
}
