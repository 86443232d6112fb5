namespace Chats.Training.Diffusion;

/// <summary>The forward processes the trainers support.</summary>
public enum NoisingKind
{
    /// <summary>DDPM forward process with ᾱ_t from a β schedule; ε-prediction (or v-prediction).</summary>
    Diffusion,

    /// <summary>Rectified flow: z_t = (1 − t)·x + t·ε, target v = ε − x.</summary>
    FlowMatching,
}
