namespace Chats.Training.Runs;

/// <summary>What the dispreferred side of a CHATS step is conditioned on when it drops the prompt (p_uncond).</summary>
public enum NullConditioningKind
{
    /// <summary>An all-zero hidden-state tensor (the trainer's default).</summary>
    Zeros,

    /// <summary>The text encoder's output for the empty prompt "" (what classifier-free guidance samples with).</summary>
    EmptyPrompt,
}
