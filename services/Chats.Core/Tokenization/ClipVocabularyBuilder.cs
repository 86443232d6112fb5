using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Chats.Core.Tokenization;

/// <summary>
/// Learns a small CLIP-style BPE vocabulary from a corpus, for our own tiny models. The layout is
/// that of CLIP and the tiny fixtures: 256 byte tokens, the same with "&lt;/w&gt;", one token per
/// merge in merge order, then <c>&lt;|startoftext|&gt;</c> and <c>&lt;|endoftext|&gt;</c>. Words are
/// cleaned and split exactly as <see cref="ClipTokenizer"/> does, so its encoding reproduces them.
/// </summary>
public static class ClipVocabularyBuilder
{
    /// <summary>The beginning-of-text token.</summary>
    public const string StartOfText = "<|startoftext|>";

    /// <summary>The end-of-text token (also the unknown token, and the pad token unless told otherwise).</summary>
    public const string EndOfText = "<|endoftext|>";

    private const string EndOfWordSuffix = "</w>";

    /// <summary>
    /// Learns up to <paramref name="mergeCount"/> merges and writes <c>vocab.json</c>, <c>merges.txt</c>,
    /// <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c> to <paramref name="outputDir"/>.
    /// Deterministic: the most frequent pair wins, ties go to the ordinally smallest pair.
    /// </summary>
    /// <param name="corpus">Training text; each string is one prompt.</param>
    /// <param name="mergeCount">Most merges to learn; fewer when no pair is left to merge.</param>
    /// <param name="outputDir">Folder to write; created if needed.</param>
    /// <param name="padToken"><see cref="EndOfText"/> (SD's tokenizer) or "!" (SDXL's second tokenizer).</param>
    /// <param name="modelMaxLength">Input length of the text encoder.</param>
    /// <returns>The learned merges, in order.</returns>
    public static IReadOnlyList<(string Left, string Right)> Build(
        IEnumerable<string> corpus, int mergeCount, string outputDir, string padToken = EndOfText, int modelMaxLength = 77)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentOutOfRangeException.ThrowIfNegative(mergeCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(modelMaxLength, 3);

        List<(string Left, string Right)> merges = LearnMerges(CountWords(corpus), mergeCount);
        Dictionary<string, int> vocabulary = BuildVocabulary(merges);
        if (!vocabulary.ContainsKey(padToken))
        {
            throw new ArgumentException($"Pad token '{padToken}' is not in the vocabulary.", nameof(padToken));
        }

        Directory.CreateDirectory(outputDir);
        var indented = new JsonSerializerOptions { WriteIndented = true };
        File.WriteAllText(Path.Combine(outputDir, "vocab.json"), JsonSerializer.Serialize(vocabulary, indented));

        var mergeLines = new StringBuilder("#version: 0.2\n");
        foreach ((string left, string right) in merges)
        {
            mergeLines.Append(left).Append(' ').Append(right).Append('\n');
        }

        File.WriteAllText(Path.Combine(outputDir, "merges.txt"), mergeLines.ToString());

        var addedTokens = new JsonObject();
        foreach (string token in new[] { padToken, StartOfText, EndOfText }.Distinct(StringComparer.Ordinal))
        {
            addedTokens[vocabulary[token].ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonObject
            {
                ["content"] = token,
                ["lstrip"] = false,
                ["normalized"] = token is StartOfText or EndOfText,
                ["rstrip"] = false,
                ["single_word"] = false,
                ["special"] = true,
            };
        }

        var config = new JsonObject
        {
            ["added_tokens_decoder"] = addedTokens,
            ["bos_token"] = StartOfText,
            ["clean_up_tokenization_spaces"] = true,
            ["eos_token"] = EndOfText,
            ["errors"] = "replace",
            ["model_max_length"] = modelMaxLength,
            ["pad_token"] = padToken,
            ["tokenizer_class"] = "CLIPTokenizer",
            ["unk_token"] = EndOfText,
        };
        File.WriteAllText(Path.Combine(outputDir, "tokenizer_config.json"), config.ToJsonString(indented));

        var specialTokens = new JsonObject
        {
            ["bos_token"] = StartOfText,
            ["eos_token"] = EndOfText,
            ["pad_token"] = padToken,
            ["unk_token"] = EndOfText,
        };
        File.WriteAllText(Path.Combine(outputDir, "special_tokens_map.json"), specialTokens.ToJsonString(indented));
        return merges;
    }

    private static Dictionary<string, int> CountWords(IEnumerable<string> corpus)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string text in corpus)
        {
            foreach (Match word in ClipTokenizer.ClipPreTokenizerPattern().Matches(ClipTextCleaner.Clean(text)))
            {
                if (word.Value is StartOfText or EndOfText)
                {
                    continue;
                }

                string mapped = ClipByteAlphabet.Encode(word.Value);
                counts[mapped] = counts.GetValueOrDefault(mapped) + 1;
            }
        }

        return counts;
    }

    private static List<(string Left, string Right)> LearnMerges(Dictionary<string, int> wordCounts, int mergeCount)
    {
        // Each word as its symbols; the last byte carries the end-of-word suffix, as CLIP's bpe() starts.
        var words = wordCounts
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => (Symbols: InitialSymbols(kv.Key), Count: kv.Value))
            .ToList();
        var known = new HashSet<string>(BuildVocabulary([]).Keys, StringComparer.Ordinal);
        var merges = new List<(string Left, string Right)>();

        while (merges.Count < mergeCount)
        {
            var pairCounts = new Dictionary<(string, string), int>();
            foreach ((List<string> symbols, int count) in words)
            {
                for (int i = 0; i + 1 < symbols.Count; i++)
                {
                    var pair = (symbols[i], symbols[i + 1]);
                    pairCounts[pair] = pairCounts.GetValueOrDefault(pair) + count;
                }
            }

            // A pair whose merged token already exists would give two ids one string; skip it.
            (string Left, string Right)? best = null;
            int bestCount = 0;
            foreach (((string left, string right), int count) in pairCounts)
            {
                if (known.Contains(left + right))
                {
                    continue;
                }

                if (count > bestCount || (count == bestCount && best is { } current && ComparePairs((left, right), current) < 0))
                {
                    best = (left, right);
                    bestCount = count;
                }
            }

            if (best is not { } chosen)
            {
                break;
            }

            merges.Add(chosen);
            known.Add(chosen.Left + chosen.Right);
            foreach ((List<string> symbols, _) in words)
            {
                MergeInPlace(symbols, chosen.Left, chosen.Right);
            }
        }

        return merges;
    }

    private static int ComparePairs((string Left, string Right) a, (string Left, string Right) b)
    {
        int left = string.CompareOrdinal(a.Left, b.Left);
        return left != 0 ? left : string.CompareOrdinal(a.Right, b.Right);
    }

    private static List<string> InitialSymbols(string mappedWord)
    {
        var symbols = mappedWord.Select(c => c.ToString()).ToList();
        symbols[^1] += EndOfWordSuffix;
        return symbols;
    }

    private static void MergeInPlace(List<string> symbols, string left, string right)
    {
        for (int i = 0; i + 1 < symbols.Count; i++)
        {
            if (symbols[i] == left && symbols[i + 1] == right)
            {
                symbols[i] = left + right;
                symbols.RemoveAt(i + 1);
            }
        }
    }

    private static Dictionary<string, int> BuildVocabulary(IReadOnlyList<(string Left, string Right)> merges)
    {
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (char c in ClipByteAlphabet.VocabularyOrder)
        {
            vocabulary[c.ToString()] = vocabulary.Count;
        }

        foreach (char c in ClipByteAlphabet.VocabularyOrder)
        {
            vocabulary[c + EndOfWordSuffix] = vocabulary.Count;
        }

        foreach ((string left, string right) in merges)
        {
            vocabulary[left + right] = vocabulary.Count;
        }

        vocabulary[StartOfText] = vocabulary.Count;
        vocabulary[EndOfText] = vocabulary.Count;
        return vocabulary;
    }
}
