using Chats.Core.Tokenization;

namespace Chats.Core.Tests.Tokenization;

public sealed class ClipVocabularyBuilderTests : IDisposable
{
    private static readonly string[] s_corpus =
    [
        "a photo of a cat sitting on a red sofa",
        "a photo of a dog running on the beach",
        "a painting of a cat, oil on canvas",
        "A photo of an astronaut riding a horse on mars",
        "a serene mountain lake at sunset, photo",
        "a cat and a dog; a photo of friends",
    ];

    private readonly string _dir = Directory.CreateTempSubdirectory("clip-vocab-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Build_ThenLoad_RoundTripsCorpusSentence()
    {
        ClipVocabularyBuilder.Build(s_corpus, mergeCount: 120, _dir);
        ClipTokenizer tokenizer = ClipTokenizer.Load(_dir);

        IReadOnlyList<int> ids = tokenizer.EncodeToIds(s_corpus[0]);
        Assert.Equal(tokenizer.BosTokenId, ids[0]);
        Assert.Equal(tokenizer.EosTokenId, ids[^1]);
        Assert.Equal(s_corpus[0], tokenizer.Decode(ids));
        Assert.Equal("a painting of a cat, oil on canvas", tokenizer.Decode(tokenizer.EncodePadded(s_corpus[2]).Select(id => (int)id)));
    }

    [Theory]
    [InlineData("photo")]
    [InlineData("cat")]
    [InlineData("a")]
    [InlineData("of")]
    public void Build_FrequentWords_BecomeSingleTokens(string word)
    {
        ClipVocabularyBuilder.Build(s_corpus, mergeCount: 120, _dir);
        ClipTokenizer tokenizer = ClipTokenizer.Load(_dir);
        Assert.Equal(3, tokenizer.EncodeToIds(word).Count);
    }

    [Fact]
    public void Build_UsesTinyFixtureLayout()
    {
        var merges = ClipVocabularyBuilder.Build(s_corpus, mergeCount: 40, _dir);
        ClipTokenizer tokenizer = ClipTokenizer.Load(_dir);
        Assert.Equal(40, merges.Count);
        Assert.Equal(512 + 40, tokenizer.BosTokenId);
        Assert.Equal(512 + 41, tokenizer.EosTokenId);
        Assert.Equal(tokenizer.EosTokenId, tokenizer.PadTokenId);
        Assert.Equal(77, tokenizer.MaxLength);
        Assert.Equal("#version: 0.2", File.ReadLines(Path.Combine(_dir, "merges.txt")).First());
    }

    [Fact]
    public void Build_IsDeterministic_AndSupportsBangPad()
    {
        string other = Path.Combine(_dir, "again");
        ClipVocabularyBuilder.Build(s_corpus, mergeCount: 60, _dir, padToken: "!");
        ClipVocabularyBuilder.Build(s_corpus.Reverse(), mergeCount: 60, other, padToken: "!");
        foreach (string file in new[] { "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json" })
        {
            Assert.Equal(File.ReadAllText(Path.Combine(_dir, file)), File.ReadAllText(Path.Combine(other, file)));
        }

        Assert.Equal(0, ClipTokenizer.Load(_dir).PadTokenId);
    }
}
