namespace Chats.Inference.Roles;

/// <summary>What a loaded text-encoding pipeline is.</summary>
/// <param name="ModelId">Name of the pipeline (configured, or the folder name).</param>
/// <param name="Fingerprint">Hash of the tokenizer files, encoder configs and weights, and of a reduced-precision dtype: part of every cache key, so a changed model never reads stale embeddings.</param>
/// <param name="MaxTokens">Tokens per prompt (77 for CLIP).</param>
/// <param name="HiddenSize">Width of the per-token embeddings.</param>
/// <param name="PooledSize">Width of the pooled embedding; 0 when the model has none.</param>
public sealed record TextEncoderDescription(string ModelId, string Fingerprint, int MaxTokens, int HiddenSize, int PooledSize);
