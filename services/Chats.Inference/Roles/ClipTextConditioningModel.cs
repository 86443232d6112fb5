using System.Security.Cryptography;
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
    private readonly InferenceWorker _worker = new("text-encoder");

    private ClipTextConditioningModel(
        ClipTokenizer tokenizer, ClipTextModel encoder, ClipTokenizer? tokenizer2, ClipTextModelWithProjection? encoder2, TextEncoderDescription description)
    {
        _tokenizer = tokenizer;
        _encoder = encoder;
        _tokenizer2 = tokenizer2;
        _encoder2 = encoder2;
        Description = description;
    }

    /// <inheritdoc />
    public TextEncoderDescription Description { get; }

    /// <summary>Loads <c>tokenizer</c> + <c>text_encoder</c> and, when present, <c>tokenizer_2</c>/<c>tokenizer_two</c> + <c>text_encoder_2</c>/<c>text_encoder_two</c>.</summary>
    public static ClipTextConditioningModel Load(string modelPath, string? modelId = null)
    {
        var folder = DiffusersPipelineFolder.Open(modelPath);
        var tokenizer = ClipTokenizer.Load(folder.ComponentPath("tokenizer"));
        var encoder = ClipTextModel.Load(folder.ComponentPath("text_encoder"));
        encoder.eval();

        ClipTokenizer? tokenizer2 = null;
        ClipTextModelWithProjection? encoder2 = null;
        string? second = folder.FirstComponent("text_encoder_2", "text_encoder_two");
        if (second is not null)
        {
            try
            {
                string tokenizer2Name = folder.FirstComponent("tokenizer_2", "tokenizer_two")
                    ?? throw new InvalidDataException($"{folder.Root}: {second} has no matching tokenizer_2 / tokenizer_two");
                tokenizer2 = ClipTokenizer.Load(folder.ComponentPath(tokenizer2Name));
                encoder2 = ClipTextModelWithProjection.Load(folder.ComponentPath(second));
                encoder2.eval();
            }
            catch
            {
                // The first encoder's native memory is not seen by the GC; free it when the second cannot load.
                encoder.Dispose();
                throw;
            }
        }

        int hidden = encoder.Config.HiddenSize + (encoder2?.Config.HiddenSize ?? 0);
        int pooled = encoder2?.Config.ProjectionDim ?? 0;
        var description = new TextEncoderDescription(
            modelId ?? folder.Name, Fingerprint(folder, second), tokenizer.MaxLength, hidden, pooled);
        return new ClipTextConditioningModel(tokenizer, encoder, tokenizer2, encoder2, description);
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
        var ids = Ids(_tokenizer, prompts);
        using var first = _encoder.forward(ids);
        if (_encoder2 is null)
        {
            return Split(first.LastHiddenState, null, prompts.Count);
        }

        using var second = _encoder2.forward(Ids(_tokenizer2!, prompts));
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

    // What decides the embedding of a prompt besides its text: tokenizer files and encoder configs and weights
    // (hashed by size and the first megabyte, enough to tell checkpoints apart cheaply).
    private static string Fingerprint(DiffusersPipelineFolder folder, string? second)
    {
        var parts = new List<string> { "tokenizer", "text_encoder" };
        if (second is not null)
        {
            parts.Add(second);
            parts.Add(folder.FirstComponent("tokenizer_2", "tokenizer_two")!);
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var component in parts)
        {
            foreach (var file in Directory.GetFiles(folder.ComponentPath(component)).Order(StringComparer.Ordinal))
            {
                hash.AppendData(System.Text.Encoding.UTF8.GetBytes(component + "/" + Path.GetFileName(file) + "\n"));
                using var stream = File.OpenRead(file);
                hash.AppendData(BitConverter.GetBytes(stream.Length));
                var buffer = new byte[Math.Min(stream.Length, 1 << 20)];
                stream.ReadExactly(buffer);
                hash.AppendData(buffer);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }
}
