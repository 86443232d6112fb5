using Chats.Core.Loading;
using Chats.Core.Sampling;
using Chats.Core.Tokenization;
using Chats.Inference.Engine;
using Chats.Inference.Models.Clip;
using Chats.Inference.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Inference.Roles;

/// <summary>
/// SD3's prompt encoding (diffusers' <c>StableDiffusion3Pipeline.encode_prompt</c>, clip_skip unset) without the T5
/// encoder: CLIP-L (<c>text_encoder</c>) and CLIP-G (<c>text_encoder_2</c>) penultimate hidden states concatenated on
/// the channel axis and zero-padded to the transformer's <c>joint_attention_dim</c>, then 77 zero tokens where T5's
/// would go; the pooled embedding is both encoders' <c>text_embeds</c> concatenated. Per prompt: hidden
/// [2·77, joint_attention_dim], pooled [projection_dim(L) + projection_dim(G)].
/// </summary>
public sealed class Sd3TextConditioningModel : ITextConditioningModel
{
    /// <summary>The components that name a transformer whose config gives <c>joint_attention_dim</c>, searched in this order.</summary>
    public static readonly IReadOnlyList<string> TransformerComponents = ["transformer", "transformer_win", "transformer_lose"];

    private readonly ClipTokenizer _tokenizer;
    private readonly ClipTextModelWithProjection _encoder;
    private readonly ClipTokenizer _tokenizer2;
    private readonly ClipTextModelWithProjection _encoder2;
    private readonly int _jointAttentionDim;
    private readonly InferenceWorker _worker;

    private Sd3TextConditioningModel(
        ClipTokenizer tokenizer, ClipTextModelWithProjection encoder, ClipTokenizer tokenizer2, ClipTextModelWithProjection encoder2,
        int jointAttentionDim, TextEncoderDescription description, TorchPlacement placement, int threads)
    {
        _worker = new InferenceWorker("text-encoder", threads: threads);
        _tokenizer = tokenizer;
        _encoder = encoder;
        _tokenizer2 = tokenizer2;
        _encoder2 = encoder2;
        _jointAttentionDim = jointAttentionDim;
        Description = description;
        Placement = placement;
    }

    /// <inheritdoc />
    public TextEncoderDescription Description { get; }

    /// <summary>The device and dtype the encoders compute in.</summary>
    public TorchPlacement Placement { get; }

    /// <summary>Tokens of the CLIP part, and of the zero T5 part (diffusers' <c>tokenizer_max_length</c>, the CLIP-L tokenizer's length).</summary>
    public int ClipTokens => _tokenizer.MaxLength;

    /// <summary>The transformer's <c>joint_attention_dim</c>: the width every token is padded to.</summary>
    public int JointAttentionDim => _jointAttentionDim;

    /// <summary>The loaded encoders, CLIP-L then CLIP-G (tests check where their parameters are).</summary>
    internal IReadOnlyList<nn.Module> Networks => [_encoder, _encoder2];

    /// <summary>
    /// Loads <c>tokenizer</c> + <c>text_encoder</c> (CLIP-L) and <c>tokenizer_2</c> + <c>text_encoder_2</c> (CLIP-G), both
    /// CLIPTextModelWithProjection, and reads <c>joint_attention_dim</c> from the folder's transformer config(s); the
    /// encoders are read on the CPU, then converted and moved to <paramref name="placement"/> (default cpu, float32).
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// A component is missing; the folder names a T5 <c>text_encoder_3</c> (not supported: list it as null to serve
    /// without T5, as diffusers does with <c>text_encoder_3=None</c>); the transformers disagree; or the encoders do not
    /// fit the transformer (hidden widths wider than joint_attention_dim, projections not summing to pooled_projection_dim).
    /// </exception>
    public static Sd3TextConditioningModel Load(string modelPath, string? modelId = null, TorchPlacement? placement = null, int threads = 0)
    {
        placement ??= TorchPlacement.Default;
        var folder = DiffusersPipelineFolder.Open(modelPath);
        string index = Path.Combine(folder.Root, "model_index.json");
        if (folder.HasComponent("text_encoder_3"))
        {
            throw new InvalidDataException(
                $"{index}: text_encoder_3 ({folder.ComponentClass("text_encoder_3")}) is not supported yet; list it and tokenizer_3 as [null, null] " +
                "to serve SD3 without T5 (its tokens are then zeros, as diffusers' text_encoder_3=None gives)");
        }

        foreach (string required in new[] { "tokenizer", "text_encoder", "tokenizer_2", "text_encoder_2" })
        {
            if (!folder.HasComponent(required))
            {
                throw new InvalidDataException($"{index}: an SD3 pipeline needs {required} (CLIP-L: tokenizer, text_encoder; CLIP-G: tokenizer_2, text_encoder_2)");
            }
        }

        (int jointAttentionDim, int? pooledProjectionDim) = TransformerWidths(folder);
        var tokenizer = ClipTokenizer.Load(folder.ComponentPath("tokenizer"));
        var tokenizer2 = ClipTokenizer.Load(folder.ComponentPath("tokenizer_2"));
        var encoder = ClipTextModelWithProjection.Load(folder.ComponentPath("text_encoder"));
        ClipTextModelWithProjection? encoder2 = null;
        try
        {
            encoder2 = ClipTextModelWithProjection.Load(folder.ComponentPath("text_encoder_2"));
            int hidden = encoder.Config.HiddenSize + encoder2.Config.HiddenSize;
            if (hidden > jointAttentionDim)
            {
                throw new InvalidDataException(
                    $"{folder.Root}: text_encoder and text_encoder_2 are {encoder.Config.HiddenSize} + {encoder2.Config.HiddenSize} wide, more than the transformer's joint_attention_dim {jointAttentionDim}");
            }

            int pooled = encoder.Config.ProjectionDim + encoder2.Config.ProjectionDim;
            if (pooledProjectionDim is int expected && pooled != expected)
            {
                throw new InvalidDataException(
                    $"{folder.Root}: text_encoder and text_encoder_2 project to {encoder.Config.ProjectionDim} + {encoder2.Config.ProjectionDim}, but the transformer's pooled_projection_dim is {expected}");
            }

            if (tokenizer2.MaxLength != tokenizer.MaxLength)
            {
                throw new InvalidDataException(
                    $"{folder.Root}: tokenizer and tokenizer_2 have model_max_length {tokenizer.MaxLength} and {tokenizer2.MaxLength}; SD3 concatenates their tokens channel-wise, so they must agree");
            }

            placement.Place(encoder);
            placement.Place(encoder2);
            var description = new TextEncoderDescription(
                modelId ?? folder.Name,
                TextEncoderFingerprint.Compute(folder, ["tokenizer", "text_encoder", "text_encoder_2", "tokenizer_2"], placement, $"sd3;t5=none;joint_attention_dim={jointAttentionDim}"),
                2 * tokenizer.MaxLength,
                jointAttentionDim,
                pooled);
            return new Sd3TextConditioningModel(tokenizer, encoder, tokenizer2, encoder2, jointAttentionDim, description, placement, threads);
        }
        catch
        {
            // Native memory is not seen by the GC; free what was loaded when the rest cannot be.
            encoder.Dispose();
            encoder2?.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<PromptConditioning>> EncodeAsync(IReadOnlyList<string> prompts, CancellationToken cancellationToken)
        => _worker.RunAsync<IReadOnlyList<PromptConditioning>>(() => Encode(prompts), cancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        _worker.Dispose();
        _encoder.Dispose();
        _encoder2.Dispose();
    }

    private List<PromptConditioning> Encode(IReadOnlyList<string> prompts)
    {
        using var scope = torch.NewDisposeScope();
        using var clipL = _encoder.forward(Placement.ToDevice(Ids(_tokenizer, prompts)));
        using var clipG = _encoder2.forward(Placement.ToDevice(Ids(_tokenizer2, prompts)));
        var clip = torch.cat([clipL.PenultimateHiddenState, clipG.PenultimateHiddenState], -1);
        clip = nn.functional.pad(clip, [0, _jointAttentionDim - clip.shape[^1]]);
        // Where T5's tokens go; diffusers sizes them by the CLIP tokenizer's length when there is no T5.
        var t5 = torch.zeros([prompts.Count, ClipTokens, _jointAttentionDim], clip.dtype, clip.device);
        var hidden = torch.cat([clip, t5], -2);
        var pooled = torch.cat([clipL.TextEmbeds!, clipG.TextEmbeds!], -1);

        var result = new List<PromptConditioning>(prompts.Count);
        for (int i = 0; i < prompts.Count; i++)
        {
            result.Add(new PromptConditioning(TorchTensorCodec.ToHost(hidden[i]), TorchTensorCodec.ToHost(pooled[i])));
        }

        return result;
    }

    private static Tensor Ids(ClipTokenizer tokenizer, IReadOnlyList<string> prompts)
    {
        var rows = prompts.Select(tokenizer.EncodePadded).ToArray();
        var flat = rows.SelectMany(r => r).ToArray();
        return torch.tensor(flat, [rows.Length, tokenizer.MaxLength], ScalarType.Int64);
    }

    // joint_attention_dim (and pooled_projection_dim, when given) of every transformer the folder has: a CHATS folder's
    // θ+ and θ− take the same embeddings, so they must agree.
    private static (int JointAttentionDim, int? PooledProjectionDim) TransformerWidths(DiffusersPipelineFolder folder)
    {
        (int, int?)? widths = null;
        string? first = null;
        foreach (string component in TransformerComponents.Where(folder.HasComponent))
        {
            string path = Path.Combine(folder.ComponentPath(component), "config.json");
            using var config = ConfigJson.Load(path);
            (int, int?) these = (config.GetInt("joint_attention_dim"), config.GetNullableInt("pooled_projection_dim"));
            if (widths is not null && widths != these)
            {
                throw new InvalidDataException(
                    $"{path}: joint_attention_dim / pooled_projection_dim {these} differ from {first}'s {widths.Value}; one text encoding cannot serve both");
            }

            widths = these;
            first ??= component;
        }

        return widths ?? throw new InvalidDataException(
            $"{Path.Combine(folder.Root, "model_index.json")}: an SD3 pipeline needs a transformer ({string.Join(", ", TransformerComponents)}) whose config.json gives joint_attention_dim, the width of the prompt embeddings");
    }
}
