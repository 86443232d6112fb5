using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Chats.Core.Tokenization;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Chats.Core.Tests.Tokenization;

/// <summary>Ids identical to transformers' slow CLIPTokenizer (with ftfy) on the fixture prompts.</summary>
public sealed class ClipTokenizerTests(ITestOutputHelper output)
{
    private static readonly Lazy<ClipTokenizer> s_clipLarge =
        new(() => ClipTokenizer.Load(FixturePaths.Combine("tokenizer", "clip-vit-large-patch14")));

    private static readonly Lazy<JsonArray> s_cases = new(() =>
        JsonNode.Parse(File.ReadAllText(FixturePaths.Combine("tokenizer", "cases", "clip_tokenizer_cases.json")))!["cases"]!.AsArray());

    public static TheoryData<int> CaseIndices()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < s_cases.Value.Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Fact]
    public void Fixtures_Have47Cases() => Assert.Equal(47, s_cases.Value.Count);

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void EncodeToIds_MatchesTransformers(int index)
    {
        JsonNode item = s_cases.Value[index]!;
        string prompt = item["prompt"]!.GetValue<string>();
        int[] expected = [.. item["hf_input_ids_full"]!.AsArray().Select(n => n!.GetValue<int>())];
        Assert.Equal(expected, s_clipLarge.Value.EncodeToIds(prompt));
    }

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void EncodePadded_MatchesTransformers(int index)
    {
        JsonNode item = s_cases.Value[index]!;
        string prompt = item["prompt"]!.GetValue<string>();
        long[] expected = [.. item["hf_input_ids_77"]!.AsArray().Select(n => n!.GetValue<long>())];
        Assert.Equal(expected, s_clipLarge.Value.EncodePadded(prompt));
    }

    [Fact]
    public void AllCases_Match_Summary()
    {
        int matched = 0;
        var failures = new List<string>();
        for (int i = 0; i < s_cases.Value.Count; i++)
        {
            JsonNode item = s_cases.Value[i]!;
            string prompt = item["prompt"]!.GetValue<string>();
            long[] expected = [.. item["hf_input_ids_77"]!.AsArray().Select(n => n!.GetValue<long>())];
            if (expected.SequenceEqual(s_clipLarge.Value.EncodePadded(prompt)))
            {
                matched++;
            }
            else
            {
                failures.Add($"#{i} {item["prompt_repr"]}");
            }
        }

        output.WriteLine($"{matched} of {s_cases.Value.Count} tokenizer cases match");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Properties_FollowTokenizerConfig()
    {
        ClipTokenizer sd = s_clipLarge.Value;
        Assert.Equal(77, sd.MaxLength);
        Assert.Equal(49406, sd.BosTokenId);
        Assert.Equal(49407, sd.EosTokenId);
        Assert.Equal(49407, sd.PadTokenId);
        ClipTokenizer second = ClipTokenizer.Load(FixturePaths.Combine("tiny-sdxl", "tokenizer_2"));
        Assert.Equal(0, second.PadTokenId);
        Assert.Equal(998, second.BosTokenId);
        Assert.Equal(999, second.EosTokenId);
    }

    [Fact]
    public void Decode_InvertsEncode()
    {
        ClipTokenizer tokenizer = s_clipLarge.Value;
        Assert.Equal("a photo of a café, 🐱", tokenizer.Decode(tokenizer.EncodeToIds("A photo of a  café, 🐱")));
    }

    [Fact]
    public void BangPadToken_IsSplitOutLikeAnAddedToken()
    {
        // transformers registers every special token as an added token and splits the text on them
        // before BPE, so SDXL's second tokenizer never merges "!" (not covered by the fixture cases).
        ClipTokenizer second = ClipTokenizer.Load(FixturePaths.Combine("tiny-sdxl", "tokenizer_2"));
        ClipTokenizer first = ClipTokenizer.Load(FixturePaths.Combine("tiny-sdxl", "tokenizer"));
        IReadOnlyList<int> ids = second.EncodeToIds("wow!!");
        Assert.Equal([0, 0, 999], ids.Skip(ids.Count - 3));
        Assert.NotEqual(0, first.EncodeToIds("wow!!")[^2]);
    }

    public static TheoryData<string, string> PipelineTextEncoderCases()
    {
        var data = new TheoryData<string, string>();
        foreach (string pipeline in new[] { "tiny-sd15", "tiny-sdxl", "tiny-chats-sd15", "tiny-chats-sdxl" })
        {
            foreach (string file in Directory.GetFiles(FixturePaths.Combine(pipeline, "cases"), "text_encoder*_case*.safetensors").Order(StringComparer.Ordinal))
            {
                if (ReadCaseMetadata(file)?["prompts"] is not null)
                {
                    data.Add(pipeline, Path.GetFileName(file));
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PipelineTextEncoderCases))]
    public void TinyPipelineTokenizer_MatchesCaseInputIds(string pipeline, string caseFile)
    {
        string path = FixturePaths.Combine(pipeline, "cases", caseFile);
        string component = caseFile[..caseFile.LastIndexOf("_case", StringComparison.Ordinal)];
        string tokenizerDir = FixturePaths.Combine(pipeline, component.Replace("text_encoder", "tokenizer", StringComparison.Ordinal));
        ClipTokenizer tokenizer = ClipTokenizer.Load(tokenizerDir);
        string[] prompts = [.. ReadCaseMetadata(path)!["prompts"]!.AsArray().Select(p => p!.GetValue<string>())];

        Dictionary<string, Tensor> tensors = Safetensors.LoadStateDict(path);
        try
        {
            long[] expected = tensors["input_ids"].data<long>().ToArray();
            long[] actual = [.. prompts.SelectMany(tokenizer.EncodePadded)];
            Assert.Equal(expected, actual);
        }
        finally
        {
            foreach (Tensor t in tensors.Values)
            {
                t.Dispose();
            }
        }
    }

    private static JsonNode? ReadCaseMetadata(string safetensorsPath)
    {
        using FileStream stream = File.OpenRead(safetensorsPath);
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        var header = new byte[BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes)];
        stream.ReadExactly(header);
        string? caseJson = JsonNode.Parse(Encoding.UTF8.GetString(header))?["__metadata__"]?["case"]?.GetValue<string>();
        return caseJson is null ? null : JsonNode.Parse(caseJson);
    }
}
