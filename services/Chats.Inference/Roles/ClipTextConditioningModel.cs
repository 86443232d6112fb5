using Chats.Core.Loading;
using Chats.Inference.Models.Clip;
using Chats.Core.Sampling;
using Chats.Core.Tokenization;
using TorchSharp;
using static TorchSharp.torch;
using Chats.Inference.Engine;
using Chats.Inference.Tensors;

namespace Chats.Inference.Roles;

/// <summary>
/// The tokenizer(s) and CLIP text encoder(s) of a pipeline folder, producing what the UNet conditions on.
/// SD1.5-style (one encoder): the last hidden state. SDXL-style (a second, projection encoder): both
/// encoders' penultimate hidden states concatenated, and the second encoder's projected pooled output.
/// </summary>
public sealed class ClipTextConditioningModel : ITextConditioningModel
{
    private readonly ClipTokenizer _tokenizer;
    private readonly ClipTextModel _encoder;
    private readonly ClipTokenizer? _tokenizer2;
    private readonly ClipTextModelWithProjection? _encoder2;
    private readonly InferenceWorker _worker;

    private ClipTextConditioningModel(
        ClipTokenizer tokenizer, ClipTextModel encoder, ClipTokenizer? tokenizer2, ClipTextModelWithProjection? encoder2, TextEncoderDescription description,
        TorchPlacement placement, int threads)
    {
        _worker = new InferenceWorker("text-encoder", threads: threads);
        _tokenizer = tokenizer;
        _encoder = encoder;
        _tokenizer2 = tokenizer2;
        _encoder2 = encoder2;
        Description = description;
        Placement = placement;
    }

    /// <inheritdoc />
    public TextEncoderDescription Description { get; }

    /// <summary>The device and dtype the encoders compute in.</summary>
    public TorchPlacement Placement { get; }

    /// <summary>The loaded encoders, first then second when there is one (tests check where their parameters are).</summary>
    internal IReadOnlyList<nn.Module> Networks => _encoder2 is null ? [_encoder] : [_encoder, _encoder2];

    /// <summary>
    /// Loads <c>tokenizer</c> + <c>text_encoder</c> and, when present, <c>tokenizer_2</c>/<c>tokenizer_two</c> + <c>text_encoder_2</c>/<c>text_encoder_two</c>;
    /// the encoders are read on the CPU, then converted and moved to <paramref name="placement"/> (default cpu, float32).
    /// </summary>
    public static ClipTextConditioningModel Load(string modelPath, string? modelId = null, TorchPlacement? placement = null, int threads = 0)
    {
        placement ??= TorchPlacement.Default;
        var folder = DiffusersPipelineFolder.Open(modelPath);
        var tokenizer = ClipTokenizer.Load(folder.ComponentPath("tokenizer"));
        var encoder = ClipTextModel.Load(folder.ComponentPath("text_encoder"));

        ClipTokenizer? tokenizer2 = null;
        ClipTextModelWithProjection? encoder2 = null;
        string? second = folder.FirstComponent("text_encoder_2", "text_encoder_two");
        try
        {
            placement.Place(encoder);
            if (second is not null)
            {
                string tokenizer2Name = folder.FirstComponent("tokenizer_2", "tokenizer_two")
                    ?? throw new InvalidDataException($"{folder.Root}: {second} has no matching tokenizer_2 / tokenizer_two");
                tokenizer2 = ClipTokenizer.Load(folder.ComponentPath(tokenizer2Name));
                encoder2 = ClipTextModelWithProjection.Load(folder.ComponentPath(second));
                placement.Place(encoder2);
            }
        }
        catch
        {
            // Native memory is not seen by the GC; free what was loaded when the rest cannot be.
            encoder.Dispose();
            encoder2?.Dispose();
            throw;
        }

        int hidden = encoder.Config.HiddenSize + (encoder2?.Config.HiddenSize ?? 0);
        int pooled = encoder2?.Config.ProjectionDim ?? 0;
        var description = new TextEncoderDescription(
            modelId ?? folder.Name, Fingerprint(folder, second, placement), tokenizer.MaxLength, hidden, pooled);
        return new ClipTextConditioningModel(tokenizer, encoder, tokenizer2, encoder2, description, placement, threads);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<PromptConditioning>> EncodeAsync(IReadOnlyList<string> prompts, CancellationToken cancellationToken)
        => _worker.RunAsync<IReadOnlyList<PromptConditioning>>(() => Encode(prompts), cancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        _worker.Dispose();
        _encoder.Dispose();
        _encoder2?.Dispose();
    }

    private List<PromptConditioning> Encode(IReadOnlyList<string> prompts)
    {
        var ids = Placement.ToDevice(Ids(_tokenizer, prompts));
        using var first = _encoder.forward(ids);
        if (_encoder2 is null)
        {
            return Split(first.LastHiddenState, null, prompts.Count);
        }

        using var second = _encoder2.forward(Placement.ToDevice(Ids(_tokenizer2!, prompts)));
        var hidden = torch.cat([first.PenultimateHiddenState, second.PenultimateHiddenState], -1);
        return Split(hidden, second.TextEmbeds, prompts.Count);
    }

    private static Tensor Ids(ClipTokenizer tokenizer, IReadOnlyList<string> prompts)
    {
        var rows = prompts.Select(tokenizer.EncodePadded).ToArray();
        var flat = rows.SelectMany(r => r).ToArray();
        return torch.tensor(flat, [rows.Length, tokenizer.MaxLength], ScalarType.Int64);
    }

    private static List<PromptConditioning> Split(Tensor hidden, Tensor? pooled, int count)
    {
        var result = new List<PromptConditioning>(count);
        for (int i = 0; i < count; i++)
        {
            result.Add(new PromptConditioning(
                TorchTensorCodec.ToHost(hidden[i]),
                pooled is null ? null : TorchTensorCodec.ToHost(pooled[i])));
        }

        return result;
    }

    // The tokenizers and encoders, in the order the hash has always read them (cached keys stay valid).
    private static string Fingerprint(DiffusersPipelineFolder folder, string? second, TorchPlacement placement)
    {
        var parts = new List<string> { "tokenizer", "text_encoder" };
        if (second is not null)
        {
            parts.Add(second);
            parts.Add(folder.FirstComponent("tokenizer_2", "tokenizer_two")!);
        }

        return TextEncoderFingerprint.Compute(folder, parts, placement);
    }
}
