using Chats.Core.Tensors;

namespace Chats.Core.Sampling;

/// <summary>What a denoiser conditions on for one prompt.</summary>
/// <param name="HiddenStates">Per-token embeddings [tokens, dim].</param>
/// <param name="Pooled">Pooled embedding [dim] for models that take one (SDXL), else null.</param>
public sealed record PromptConditioning(HostTensor HiddenStates, HostTensor? Pooled)
{
    /// <summary>
    /// CHATS' proxy conditioning c̃ = −α·c + (1+α)·∅, applied to every tensor of the conditioning
    /// (token embeddings and the pooled embedding).
    /// </summary>
    public static PromptConditioning Proxy(PromptConditioning conditional, PromptConditioning unconditional, float alpha)
    {
        ArgumentNullException.ThrowIfNull(conditional);
        ArgumentNullException.ThrowIfNull(unconditional);
        bool pooledMatch = conditional.Pooled is null
            ? unconditional.Pooled is null
            : unconditional.Pooled is not null && conditional.Pooled.SameShape(unconditional.Pooled);
        if (!conditional.HiddenStates.SameShape(unconditional.HiddenStates) || !pooledMatch)
        {
            throw new ArgumentException("conditional and unconditional embeddings differ in shape");
        }

        var hidden = new HostTensor(
            Guidance.ChatsProxyGuidance.ProxyConditioning(conditional.HiddenStates.Data, unconditional.HiddenStates.Data, alpha),
            (long[])conditional.HiddenStates.Shape.Clone());
        HostTensor? pooled = conditional.Pooled is null
            ? null
            : new HostTensor(
                Guidance.ChatsProxyGuidance.ProxyConditioning(conditional.Pooled.Data, unconditional.Pooled!.Data, alpha),
                (long[])conditional.Pooled.Shape.Clone());
        return new PromptConditioning(hidden, pooled);
    }
}
