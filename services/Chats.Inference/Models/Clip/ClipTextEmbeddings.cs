using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.Clip;

/// <summary>transformers' <c>CLIPTextEmbeddings</c>: token embedding plus learned absolute positions.</summary>
internal sealed class ClipTextEmbeddings : nn.Module<Tensor, Tensor>
{
    private readonly Embedding token_embedding;
    private readonly Embedding position_embedding;

    public ClipTextEmbeddings(ClipTextConfig config)
        : base(nameof(ClipTextEmbeddings))
    {
        token_embedding = nn.Embedding(config.VocabSize, config.HiddenSize);
        position_embedding = nn.Embedding(config.MaxPositionEmbeddings, config.HiddenSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        long seqLength = input.shape[^1];
        using var scope = NewDisposeScope();
        // transformers keeps position_ids as a non-persistent buffer; it never reaches the weights file.
        Tensor positionIds = arange(seqLength, dtype: ScalarType.Int64, device: input.device).unsqueeze(0);
        return (token_embedding.forward(input) + position_embedding.forward(positionIds)).MoveToOuterDisposeScope();
    }
}
