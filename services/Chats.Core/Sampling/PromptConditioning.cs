using System.Collections.ObjectModel;
using Chats.Core.Tensors;

namespace Chats.Core.Sampling;

/// <summary>
/// What a denoiser conditions on for one prompt: a set of named tensors (<see cref="ConditioningNames"/>), always
/// with <see cref="ConditioningNames.PromptEmbeds"/>. Which others are present depends on the model family
/// (SDXL and SD3 add a pooled embedding, SDXL's sessions add time ids).
/// </summary>
public sealed class PromptConditioning
{
    /// <summary>Wraps <paramref name="tensors"/> (copied into a new dictionary; the tensors themselves are not copied).</summary>
    /// <exception cref="ArgumentException">There is no <see cref="ConditioningNames.PromptEmbeds"/>, or a name is empty.</exception>
    public PromptConditioning(IReadOnlyDictionary<string, HostTensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var copy = new SortedDictionary<string, HostTensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in tensors)
        {
            ArgumentException.ThrowIfNullOrEmpty(name, nameof(tensors));
            copy[name] = tensor ?? throw new ArgumentException($"tensor '{name}' is null", nameof(tensors));
        }

        if (!copy.ContainsKey(ConditioningNames.PromptEmbeds))
        {
            throw new ArgumentException($"a conditioning needs '{ConditioningNames.PromptEmbeds}'", nameof(tensors));
        }

        Tensors = new ReadOnlyDictionary<string, HostTensor>(copy);
    }

    /// <summary>Token embeddings and, when not null, a pooled embedding (the SD1.5, SDXL and SD3 text conditionings).</summary>
    public PromptConditioning(HostTensor hiddenStates, HostTensor? pooled)
        : this(Named(hiddenStates, pooled))
    {
    }

    /// <summary>Every tensor by name, in ordinal name order (the order they are written to the wire and to state).</summary>
    public IReadOnlyDictionary<string, HostTensor> Tensors { get; }

    /// <summary>Per-token embeddings [tokens, dim] (<see cref="ConditioningNames.PromptEmbeds"/>).</summary>
    public HostTensor HiddenStates => Tensors[ConditioningNames.PromptEmbeds];

    /// <summary>The pooled embedding [dim] (<see cref="ConditioningNames.PooledPromptEmbeds"/>), or null.</summary>
    public HostTensor? Pooled => Get(ConditioningNames.PooledPromptEmbeds);

    /// <summary>The tensor named <paramref name="name"/>, or null.</summary>
    public HostTensor? Get(string name) => Tensors.TryGetValue(name, out var t) ? t : null;

    /// <summary>This conditioning with <paramref name="name"/> set to <paramref name="tensor"/> (added or replaced).</summary>
    public PromptConditioning With(string name, HostTensor tensor)
    {
        var tensors = new Dictionary<string, HostTensor>(Tensors, StringComparer.Ordinal) { [name] = tensor };
        return new PromptConditioning(tensors);
    }

    /// <summary>All-zero tensors of this conditioning's names and shapes (SDXL's <c>force_zeros_for_empty_prompt</c>).</summary>
    public PromptConditioning ZerosLike()
        => new(Tensors.ToDictionary(p => p.Key, p => HostTensor.Zeros((long[])p.Value.Shape.Clone()), StringComparer.Ordinal));

    /// <summary>
    /// CHATS' proxy conditioning c̃ = −α·c + (1+α)·∅, applied to every tensor of the conditioning (token
    /// embeddings, the pooled embedding, whatever else the family's text encoder produces).
    /// </summary>
    /// <exception cref="ArgumentException">The two conditionings differ in names or shapes.</exception>
    public static PromptConditioning Proxy(PromptConditioning conditional, PromptConditioning unconditional, float alpha)
    {
        ArgumentNullException.ThrowIfNull(conditional);
        ArgumentNullException.ThrowIfNull(unconditional);
        if (conditional.Tensors.Count != unconditional.Tensors.Count
            || conditional.Tensors.Any(p => unconditional.Get(p.Key) is not { } u || !p.Value.SameShape(u)))
        {
            throw new ArgumentException("conditional and unconditional embeddings differ in names or shapes");
        }

        var proxy = new Dictionary<string, HostTensor>(StringComparer.Ordinal);
        foreach (var (name, c) in conditional.Tensors)
        {
            proxy[name] = new HostTensor(
                Guidance.ChatsProxyGuidance.ProxyConditioning(c.Data, unconditional.Tensors[name].Data, alpha), (long[])c.Shape.Clone());
        }

        return new PromptConditioning(proxy);
    }

    private static Dictionary<string, HostTensor> Named(HostTensor hiddenStates, HostTensor? pooled)
    {
        ArgumentNullException.ThrowIfNull(hiddenStates);
        var tensors = new Dictionary<string, HostTensor>(StringComparer.Ordinal) { [ConditioningNames.PromptEmbeds] = hiddenStates };
        if (pooled is not null)
        {
            tensors[ConditioningNames.PooledPromptEmbeds] = pooled;
        }

        return tensors;
    }
}
