using Chats.Inference.Roles;
using Chats.Inference.Local;
using Chats.Core.Sampling;
using Chats.ServiceDefaults;
using Chats.TextEncoder.Caching;

namespace Chats.TextEncoder;

/// <summary>Looks every prompt up in the embedding cache and encodes only the misses, in one batch.</summary>
public sealed class CachingPromptEncoder
{
    private readonly ITextConditioningModel _model;
    private readonly IEmbeddingCache _cache;

    /// <summary>Creates the encoder over a loaded model and a cache.</summary>
    public CachingPromptEncoder(ITextConditioningModel model, IEmbeddingCache cache)
    {
        _model = model;
        _cache = cache;
    }

    /// <summary>The loaded model's description.</summary>
    public TextEncoderDescription Description => _model.Description;

    /// <summary>One conditioning per prompt with whether it came from the cache.</summary>
    public async Task<IReadOnlyList<(PromptConditioning Conditioning, bool CacheHit)>> EncodeAsync(
        IReadOnlyList<string> prompts, CancellationToken cancellationToken)
    {
        var results = new (PromptConditioning Conditioning, bool CacheHit)[prompts.Count];
        var keys = prompts.Select(p => EmbeddingCacheKey.For(_model.Description, p)).ToArray();
        var misses = new List<int>();
        for (int i = 0; i < prompts.Count; i++)
        {
            var cached = await _cache.GetAsync(keys[i], cancellationToken);
            var decoded = cached is null ? null : ConditioningCacheCodec.TryDeserialize(cached);
            if (decoded is null)
            {
                misses.Add(i);
                ChatsMetrics.EmbeddingCache.WithLabels("miss").Inc();
            }
            else
            {
                results[i] = (decoded, true);
                ChatsMetrics.EmbeddingCache.WithLabels("hit").Inc();
            }
        }

        if (misses.Count > 0)
        {
            var encoded = await _model.EncodeAsync(misses.Select(i => prompts[i]).ToList(), cancellationToken);
            for (int m = 0; m < misses.Count; m++)
            {
                results[misses[m]] = (encoded[m], false);
                await _cache.SetAsync(keys[misses[m]], ConditioningCacheCodec.Serialize(encoded[m]), cancellationToken);
            }
        }

        return results;
    }
}
