namespace Chats.Inference.Roles;

/// <summary>What a loaded text-encoding pipeline is.</summary>
/// <param name="ModelId">Name of the pipeline (configured, or the folder name).</param>
/// <param name="Fingerprint">Hash of the tokenizer files, encoder configs and weights, and of a reduced-precision dtype: part of every cache key, so a changed model never reads stale embeddings.</param>
/// <param name="MaxTokens">Tokens per prompt (77 for CLIP; 154 for SD3 without T5: 77 CLIP tokens, then 77 zero tokens in T5's place).</param>
/// <param name="HiddenSize">Width of the per-token embeddings (SD3: the transformer's joint_attention_dim).</param>
/// <param name="PooledSize">Width of the pooled embedding (SD3: both CLIP projections); 0 when the model has none.</param>
public sealed record TextEncoderDescription(string ModelId, string Fingerprint, int MaxTokens, int HiddenSize, int PooledSize);
