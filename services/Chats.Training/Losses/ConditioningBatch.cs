using Chats.Core.Sampling;
using static TorchSharp.torch;

namespace Chats.Training.Losses;

/// <summary>
/// What a batch is conditioned on: named tensors, batch first, named as the serving side names them
/// (<see cref="ConditioningNames"/>). Always <see cref="PromptEmbeds"/> (B, tokens, dim); SD3 transformers also take
/// <see cref="PooledPromptEmbeds"/> (B, dim), and SDXL UNets (<c>text_time</c>) the pooled embedding and
/// <see cref="TimeIds"/> (B, 6). The tensors are not owned: the batch's creator disposes them.
/// </summary>
public sealed class ConditioningBatch
{
    /// <summary>The name of the per-token embeddings (UNet cross-attention, MMDiT joint attention).</summary>
    public const string PromptEmbedsName = ConditioningNames.PromptEmbeds;

    /// <summary>The name of the pooled embedding (SD3's <c>pooled_projections</c>, SDXL's <c>text_embeds</c>).</summary>
    public const string PooledPromptEmbedsName = ConditioningNames.PooledPromptEmbeds;

    /// <summary>The name of SDXL's micro-conditioning (original size, crop top-left, target size): not prompt conditioning.</summary>
    public const string TimeIdsName = ConditioningNames.TimeIds;

    private readonly Dictionary<string, Tensor> _tensors;

    /// <summary>Conditioning of token embeddings and, for models that take one, the pooled embedding.</summary>
    public ConditioningBatch(Tensor promptEmbeds, Tensor? pooledPromptEmbeds = null)
        : this(pooledPromptEmbeds is null
            ? new Dictionary<string, Tensor> { [PromptEmbedsName] = promptEmbeds }
            : new Dictionary<string, Tensor> { [PromptEmbedsName] = promptEmbeds, [PooledPromptEmbedsName] = pooledPromptEmbeds })
    {
    }

    /// <summary>Conditioning of any set of named tensors that includes <see cref="PromptEmbedsName"/>.</summary>
    /// <exception cref="ArgumentException"><see cref="PromptEmbedsName"/> is missing.</exception>
    public ConditioningBatch(IReadOnlyDictionary<string, Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        _tensors = new Dictionary<string, Tensor>(tensors, StringComparer.Ordinal);
        if (!_tensors.TryGetValue(PromptEmbedsName, out var prompt) || prompt is null)
        {
            throw new ArgumentException($"a conditioning needs '{PromptEmbedsName}'", nameof(tensors));
        }

        foreach (var (name, tensor) in _tensors)
        {
            ArgumentNullException.ThrowIfNull(tensor, name);
        }
    }

    /// <summary>All tensors by name.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors => _tensors;

    /// <summary>Per-token embeddings (B, tokens, dim).</summary>
    public Tensor PromptEmbeds => _tensors[PromptEmbedsName];

    /// <summary>The pooled embedding (B, dim), or null.</summary>
    public Tensor? PooledPromptEmbeds => _tensors.GetValueOrDefault(PooledPromptEmbedsName);

    /// <summary>SDXL's time ids (B, 6), or null.</summary>
    public Tensor? TimeIds => _tensors.GetValueOrDefault(TimeIdsName);

    /// <summary>Batch size: the first dimension of <see cref="PromptEmbeds"/>.</summary>
    public long BatchSize => PromptEmbeds.shape[0];

    /// <summary>A conditioning with <paramref name="map"/> applied to every tensor (same names).</summary>
    public ConditioningBatch Select(Func<string, Tensor, Tensor> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        return new ConditioningBatch(_tensors.ToDictionary(kv => kv.Key, kv => map(kv.Key, kv.Value), StringComparer.Ordinal));
    }

    /// <summary>Disposes every tensor (for the creator of the batch).</summary>
    public void DisposeTensors()
    {
        foreach (var tensor in _tensors.Values)
        {
            tensor.Dispose();
        }
    }

    /// <summary>Shapes by name, for error messages.</summary>
    public override string ToString() =>
        string.Join(", ", _tensors.Select(kv => $"{kv.Key} [{string.Join(", ", kv.Value.shape)}]"));
}
