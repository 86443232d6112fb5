namespace Chats.Core.Guidance;

/// <summary>How the predictions of a step are combined.</summary>
public enum GuidanceMode
{
    /// <summary>Classifier-free guidance with one model (two passes: c and ∅).</summary>
    Cfg,

    /// <summary>CHATS with the proxy prompt c̃ (two passes: θ+ on c, θ− on c̃). The default.</summary>
    Chats,

    /// <summary>CHATS full (three passes: θ+ on c, θ− on c and on ∅).</summary>
    ChatsFull,
}
