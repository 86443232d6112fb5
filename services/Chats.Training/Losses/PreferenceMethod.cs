namespace Chats.Training.Losses;

/// <summary>The fine-tuning objectives compared in the CHATS paper (Table 4 and the Diffusion-DPO baseline).</summary>
public enum PreferenceMethod
{
    /// <summary>CHATS: θ+ on preferred, θ− on dispreferred images, both against the frozen reference.</summary>
    Chats,

    /// <summary>CHATS without the reference terms (two models, Table 4).</summary>
    ChatsWithoutReference,

    /// <summary>Diffusion-DPO: one model θ against the frozen reference.</summary>
    DiffusionDpo,

    /// <summary>Plain fine-tuning of one model on all images (standard loss on preferred and dispreferred).</summary>
    FineTuneAll,

    /// <summary>Plain fine-tuning of one model on the preferred images only.</summary>
    FineTunePreferredOnly,
}
