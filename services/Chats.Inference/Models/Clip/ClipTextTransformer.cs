using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.Clip;

/// <summary>transformers' <c>CLIPTextTransformer</c> (the <c>text_model</c> submodule).</summary>
internal sealed class ClipTextTransformer : nn.Module<Tensor, ClipTextOutput>
{
    private readonly ClipTextEmbeddings embeddings;
    private readonly ClipEncoder encoder;
    private readonly LayerNorm final_layer_norm;
    private readonly int _eosTokenId;
    private readonly int _maxPositions;

    public ClipTextTransformer(ClipTextConfig config)
        : base(nameof(ClipTextTransformer))
    {
        _eosTokenId = config.EosTokenId;
        _maxPositions = config.MaxPositionEmbeddings;
        embeddings = new ClipTextEmbeddings(config);
        encoder = new ClipEncoder(config);
        final_layer_norm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    public override ClipTextOutput forward(Tensor input)
    {
        if (input.dim() != 2)
        {
            throw new ArgumentException($"input_ids must be [batch, length], got [{string.Join(", ", input.shape)}].", nameof(input));
        }

        long length = input.shape[1];
        if (length > _maxPositions)
        {
            throw new ArgumentException($"input_ids has {length} positions; the model has {_maxPositions}.", nameof(input));
        }

        using var scope = NewDisposeScope();
        Tensor hidden = embeddings.forward(input);
        Tensor causalMask = CausalMask(length, hidden.dtype, hidden.device);
        (Tensor last, Tensor penultimate) = encoder.forward(hidden, causalMask);
        Tensor lastHiddenState = final_layer_norm.forward(last);
        Tensor pooled = Pool(lastHiddenState, input);
        return new ClipTextOutput(
            lastHiddenState.MoveToOuterDisposeScope(),
            penultimate.MoveToOuterDisposeScope(),
            pooled.MoveToOuterDisposeScope(),
            textEmbeds: null);
    }

    /// <summary>
    /// transformers' <c>_create_4d_causal_attention_mask</c>: the dtype's minimum above the diagonal,
    /// 0 on and below it, shaped [1, 1, T, T].
    /// </summary>
    private static Tensor CausalMask(long length, ScalarType dtype, Device device)
    {
        double min = dtype switch
        {
            ScalarType.Float64 => double.MinValue,
            ScalarType.Float16 => -65504.0,
            ScalarType.BFloat16 => -3.3895313892515355e38,
            _ => float.MinValue,
        };
        using Tensor full = torch.full(length, length, min, dtype: dtype, device: device);
        return full.triu(1).view(1, 1, length, length);
    }

    /// <summary>
    /// transformers 4.36's pooling: with the legacy <c>eos_token_id == 2</c> the end-of-text token is
    /// the largest id in the sequence (argmax of the ids); otherwise its first occurrence.
    /// </summary>
    private Tensor Pool(Tensor lastHiddenState, Tensor inputIds)
    {
        Tensor positions = _eosTokenId == 2
            ? inputIds.to(ScalarType.Int32).argmax(-1)
            : inputIds.eq(_eosTokenId).to(ScalarType.Int32).argmax(-1);
        Tensor rows = arange(lastHiddenState.shape[0], dtype: ScalarType.Int64, device: lastHiddenState.device);
        return lastHiddenState.index(TensorIndex.Tensor(rows), TensorIndex.Tensor(positions));
    }
}
