using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Chats.Core.Tokenization;

/// <summary>
/// CLIP's BPE tokenizer with the behaviour of transformers' slow <c>CLIPTokenizer</c> (4.36, ftfy
/// installed), which Stable Diffusion pipelines load: added tokens are split out first, every other
/// piece is cleaned (<see cref="ClipTextCleaner"/>), lower-cased, split by CLIP's regex and BPE-encoded
/// at byte level with the "&lt;/w&gt;" end-of-word suffix.
/// </summary>
public sealed partial class ClipTokenizer
{
    private const string EndOfWordSuffix = "</w>";

    private static readonly (string Spaced, string Joined)[] s_tokenizationSpaces =
    [
        (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"),
        (" n't", "n't"), (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
    ];

    private readonly BpeTokenizer _bpe;
    private readonly Regex _addedTokenSplitter;
    private readonly Dictionary<string, int> _addedTokens;
    private readonly Dictionary<int, string> _idToToken;
    private readonly HashSet<int> _specialIds;

    private ClipTokenizer(
        BpeTokenizer bpe,
        Dictionary<string, int> vocabulary,
        Dictionary<string, int> addedTokens,
        int maxLength,
        int bosTokenId,
        int eosTokenId,
        int padTokenId)
    {
        _bpe = bpe;
        _addedTokens = addedTokens;
        _idToToken = vocabulary.ToDictionary(kv => kv.Value, kv => kv.Key);
        _specialIds = [.. addedTokens.Values];
        // Longest first, so that the earliest match is also the longest, as transformers' trie splits.
        _addedTokenSplitter = new Regex(
            string.Join("|", addedTokens.Keys.OrderByDescending(t => t.Length).ThenBy(t => t, StringComparer.Ordinal).Select(Regex.Escape)),
            RegexOptions.CultureInvariant);
        MaxLength = maxLength;
        BosTokenId = bosTokenId;
        EosTokenId = eosTokenId;
        PadTokenId = padTokenId;
    }

    /// <summary>Length of a model input (<c>model_max_length</c>, 77 for CLIP), special tokens included.</summary>
    public int MaxLength { get; }

    /// <summary>Id of <c>&lt;|startoftext|&gt;</c>.</summary>
    public int BosTokenId { get; }

    /// <summary>Id of <c>&lt;|endoftext|&gt;</c>.</summary>
    public int EosTokenId { get; }

    /// <summary>Id that fills a padded input: <c>&lt;|endoftext|&gt;</c> for SD's tokenizer, <c>!</c> (0) for SDXL's second.</summary>
    public int PadTokenId { get; }

    /// <summary>
    /// Loads a tokenizer folder in transformers' layout: <c>vocab.json</c>, <c>merges.txt</c>,
    /// <c>tokenizer_config.json</c> and, when present, <c>special_tokens_map.json</c> (which wins).
    /// </summary>
    /// <exception cref="InvalidDataException">A file is missing or a special token is not in the vocabulary.</exception>
    public static ClipTokenizer Load(string tokenizerDir)
    {
        string vocabPath = RequireFile(tokenizerDir, "vocab.json");
        string mergesPath = RequireFile(tokenizerDir, "merges.txt");
        string configPath = RequireFile(tokenizerDir, "tokenizer_config.json");

        Dictionary<string, int> vocabulary = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(vocabPath))
            ?? throw new InvalidDataException($"{vocabPath}: expected a JSON object of token ids.");

        JsonObject config = ReadObject(configPath);
        string mapPath = Path.Combine(tokenizerDir, "special_tokens_map.json");
        JsonObject? map = File.Exists(mapPath) ? ReadObject(mapPath) : null;

        string TokenContent(string field) =>
            (map is not null ? TokenString(map, field, mapPath) : null)
            ?? TokenString(config, field, configPath)
            ?? throw new InvalidDataException($"{configPath}: {field} is not set.");

        int IdOf(string token, string field) => vocabulary.TryGetValue(token, out int id)
            ? id
            : throw new InvalidDataException($"{vocabPath}: {field} '{token}' is not in the vocabulary.");

        string bos = TokenContent("bos_token");
        string eos = TokenContent("eos_token");
        string unk = TokenContent("unk_token");
        // transformers falls back to no pad token; SD pipelines always pad, with eos like openai's CLIP models.
        string pad = (map is not null ? TokenString(map, "pad_token", mapPath) : null)
            ?? TokenString(config, "pad_token", configPath) ?? eos;

        var addedTokens = new Dictionary<string, int>(StringComparer.Ordinal);
        if (config.TryGetPropertyValue("added_tokens_decoder", out JsonNode? decoder) && decoder is JsonObject decoderObject)
        {
            foreach ((string idText, JsonNode? entry) in decoderObject)
            {
                string content = entry?["content"]?.GetValue<string>()
                    ?? throw new InvalidDataException($"{configPath}: added_tokens_decoder[{idText}] has no content.");
                addedTokens[content] = int.Parse(idText, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        // transformers registers every special token as an added token, which the text is split on first.
        foreach ((string token, string field) in new[] { (bos, "bos_token"), (eos, "eos_token"), (unk, "unk_token"), (pad, "pad_token") })
        {
            addedTokens.TryAdd(token, IdOf(token, field));
        }

        int maxLength = ReadMaxLength(config, configPath);

        var options = new BpeOptions(vocabPath, mergesPath)
        {
            PreTokenizer = new RegexPreTokenizer(ClipPreTokenizerPattern(), specialTokens: null),
            EndOfWordSuffix = EndOfWordSuffix,
            ByteLevel = true,
        };
        BpeTokenizer bpe = BpeTokenizer.Create(options);
        return new ClipTokenizer(bpe, vocabulary, addedTokens, maxLength, IdOf(bos, "bos_token"), IdOf(eos, "eos_token"), IdOf(pad, "pad_token"));
    }

    /// <summary>Token ids of <paramref name="text"/> with BOS and EOS, neither truncated nor padded.</summary>
    public IReadOnlyList<int> EncodeToIds(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int> { BosTokenId };
        AppendTextIds(text, ids);
        ids.Add(EosTokenId);
        return ids;
    }

    /// <summary>
    /// Exactly <see cref="MaxLength"/> ids, as <c>tokenizer(text, padding="max_length", truncation=True)</c>:
    /// BOS, the first MaxLength−2 text tokens, EOS, then <see cref="PadTokenId"/>.
    /// </summary>
    public long[] EncodePadded(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var textIds = new List<int>();
        AppendTextIds(text, textIds);
        int kept = Math.Min(textIds.Count, MaxLength - 2);
        var result = new long[MaxLength];
        Array.Fill(result, PadTokenId);
        result[0] = BosTokenId;
        for (int i = 0; i < kept; i++)
        {
            result[i + 1] = textIds[i];
        }

        result[kept + 1] = EosTokenId;
        return result;
    }

    /// <summary>
    /// Text of <paramref name="ids"/>, as transformers' decode: tokens joined, bytes decoded as UTF-8
    /// (invalid sequences replaced), "&lt;/w&gt;" read as a space, trimmed, and the spaces before
    /// punctuation and English contractions removed (<c>clean_up_tokenization_spaces</c>).
    /// </summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var joined = new StringBuilder();
        foreach (int id in ids)
        {
            if (skipSpecialTokens && _specialIds.Contains(id))
            {
                continue;
            }

            if (!_idToToken.TryGetValue(id, out string? token))
            {
                throw new ArgumentOutOfRangeException(nameof(ids), id, "Id is not in the vocabulary.");
            }

            joined.Append(token);
        }

        string text = new UTF8Encoding(false, false).GetString(ClipByteAlphabet.Decode(joined.ToString()))
            .Replace(EndOfWordSuffix, " ", StringComparison.Ordinal)
            .Trim();
        foreach ((string spaced, string joinedForm) in s_tokenizationSpaces)
        {
            text = text.Replace(spaced, joinedForm, StringComparison.Ordinal);
        }

        return text;
    }

    private void AppendTextIds(string text, List<int> ids)
    {
        int position = 0;
        foreach (Match match in _addedTokenSplitter.Matches(text))
        {
            AppendPieceIds(text[position..match.Index], ids);
            ids.Add(_addedTokens[match.Value]);
            position = match.Index + match.Length;
        }

        AppendPieceIds(text[position..], ids);
    }

    private void AppendPieceIds(string piece, List<int> ids)
    {
        string cleaned = ClipTextCleaner.Clean(piece);
        if (cleaned.Length > 0)
        {
            ids.AddRange(_bpe.EncodeToIds(cleaned, considerPreTokenization: true, considerNormalization: false));
        }
    }

    private static int ReadMaxLength(JsonObject config, string configPath)
    {
        if (!config.TryGetPropertyValue("model_max_length", out JsonNode? node) || node is null)
        {
            return 77;
        }

        double value = node.GetValue<double>();
        return value is >= 3 and <= 1_000_000
            ? (int)value
            : throw new InvalidDataException($"{configPath}: model_max_length {value} is not a usable input length.");
    }

    private static string? TokenString(JsonObject json, string field, string path)
    {
        if (!json.TryGetPropertyValue(field, out JsonNode? node) || node is null)
        {
            return null;
        }

        return node switch
        {
            JsonValue value when value.TryGetValue(out string? s) => s,
            JsonObject obj when obj["content"] is JsonValue content && content.TryGetValue(out string? s) => s,
            _ => throw new InvalidDataException($"{path}: {field} must be a string or an object with content."),
        };
    }

    private static JsonObject ReadObject(string path) =>
        JsonNode.Parse(File.ReadAllText(path)) as JsonObject
            ?? throw new InvalidDataException($"{path}: expected a JSON object.");

    private static string RequireFile(string dir, string name)
    {
        string path = Path.Combine(dir, name);
        return File.Exists(path) ? path : throw new InvalidDataException($"{dir}: {name} is missing.");
    }

    // openai/CLIP's pattern; the text is already lower-cased, so IGNORECASE changes nothing.
    [GeneratedRegex(@"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    internal static partial Regex ClipPreTokenizerPattern();
}
