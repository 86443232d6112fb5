using Chats.Training.Diffusion;
using Chats.Training.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Training.Tests.Losses;

public sealed class PreferenceObjectiveTests
{
    /// <summary>Records what each denoiser was called with; predicts zeros.</summary>
    private sealed class Recorder
    {
        public List<(string Model, float[] Noisy, float[] Conditioning)> Calls { get; } = [];

        public Denoiser For(string name) => (noisy, timestep, conditioning) =>
        {
            Calls.Add((name, noisy.data<float>().ToArray(), conditioning.PromptEmbeds.data<float>().ToArray()));
            return zeros_like(noisy);
        };

        public float[] Conditioning(string model, int call) => Calls.Where(c => c.Model == model).ElementAt(call).Conditioning;
    }

    private static PreferenceBatch Batch(bool sameImages = false)
    {
        var xw = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 1, 1, 2);
        var xl = sameImages ? xw.clone() : tensor(new float[] { -1, 0, 1, 0 }).reshape(2, 1, 1, 2);
        var c = tensor(new float[] { 1, 2, 3, 4, 5, 6, 7, 8 }).reshape(2, 2, 2);
        return new PreferenceBatch(xw, xl, c);
    }

    [Theory]
    [InlineData(1.0, true)]
    [InlineData(0.0, false)]
    public void Chats_PUncond_DecidesTheDispreferredConditioning(double pUncond, bool expectNull)
    {
        var batch = Batch();
        var rec = new Recorder();
        var objective = new PreferenceObjective(PreferenceMethod.Chats, new DiffusionNoising(), beta: 10, pUncond: pUncond);
        using var g = new Generator(5);
        var terms = objective.Compute(batch, rec.For("win"), rec.For("lose"), rec.For("ref"), g);

        float[] c = batch.Conditioning.PromptEmbeds.data<float>().ToArray();
        float[] expectedLose = expectNull ? new float[c.Length] : c;
        Assert.Equal(expectNull, terms.UsedNullConditioning);
        Assert.Equal(c, rec.Conditioning("win", 0));
        Assert.Equal(c, rec.Conditioning("ref", 0));              // reference on the preferred side: c
        Assert.Equal(expectedLose, rec.Conditioning("lose", 0));  // θ− sees c_l
        Assert.Equal(expectedLose, rec.Conditioning("ref", 1));   // and so does the reference on the l side
    }

    [Fact]
    public void Chats_NullConditioningOption_UsesTheEmptyPromptEmbedding()
    {
        var batch = Batch();
        var rec = new Recorder();
        using var empty = tensor(new float[] { 9, 8, 7, 6 }).reshape(1, 2, 2);
        var objective = new PreferenceObjective(PreferenceMethod.Chats, new DiffusionNoising(), pUncond: 1, nullConditioning: new ConditioningBatch(empty));
        using var g = new Generator(5);
        objective.Compute(batch, rec.For("win"), rec.For("lose"), rec.For("ref"), g);
        float[] expected = [9, 8, 7, 6, 9, 8, 7, 6];
        Assert.Equal(expected, rec.Conditioning("lose", 0));
        Assert.Equal(expected, rec.Conditioning("ref", 1));
    }

    [Theory]
    [InlineData(PreferenceMethod.DiffusionDpo)]
    [InlineData(PreferenceMethod.FineTuneAll)]
    public void OneModelMethods_NeverUseNullConditioning(PreferenceMethod method)
    {
        var batch = Batch();
        var rec = new Recorder();
        var objective = new PreferenceObjective(method, new DiffusionNoising(), pUncond: 1);
        using var g = new Generator(5);
        var terms = objective.Compute(batch, rec.For("theta"), rec.For("theta"), rec.For("ref"), g);
        Assert.False(terms.UsedNullConditioning);
        Assert.All(rec.Calls, call => Assert.Equal(batch.Conditioning.PromptEmbeds.data<float>().ToArray(), call.Conditioning));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Chats_SameTimestepAndNoiseForBothImagesOfAPair(bool flow)
    {
        // With x_w = x_l, identical t and ε give identical z_t on both sides.
        var batch = Batch(sameImages: true);
        var rec = new Recorder();
        INoisingProcess noising = flow ? new FlowMatchingNoising() : new DiffusionNoising();
        var objective = new PreferenceObjective(PreferenceMethod.Chats, noising, pUncond: 0);
        using var g = new Generator(11);
        objective.Compute(batch, rec.For("win"), rec.For("lose"), rec.For("ref"), g);
        Assert.Equal(rec.Calls[0].Noisy, rec.Calls[1].Noisy);
    }

    [Fact]
    public void Chats_ZeroPredictions_LossFromHandComputedMses()
    {
        // A zero prediction makes mse = mean(target²) for every model, so the CHATS inner term is 0 and the loss log 2;
        // DPO likewise; without reference the inner term is mse_w + mse_l of the flow targets ε − x.
        var batch = Batch();
        var rec = new Recorder();
        using var g = new Generator(1);
        var chats = new PreferenceObjective(PreferenceMethod.Chats, new FlowMatchingNoising(), beta: 1);
        Assert.Equal(Math.Log(2), chats.Compute(batch, rec.For("w"), rec.For("l"), rec.For("r"), g).Loss.item<float>(), 1e-6);

        using var g2 = new Generator(1);
        var noRef = new PreferenceObjective(PreferenceMethod.ChatsWithoutReference, new FlowMatchingNoising(), beta: 1e-3);
        var terms = noRef.Compute(batch, rec.For("w"), rec.For("l"), null, g2);
        double expected = (terms.MseWinPolicy + terms.MseLosePolicy!).data<float>().Select(v => Math.Log(1 + Math.Exp(1e-3 * v))).Average();
        Assert.Equal(expected, terms.Loss.item<float>(), 1e-6);
        Assert.Null(terms.MseWinRef);
    }

    [Fact]
    public void Chats_WithoutReferenceModel_Throws()
    {
        var rec = new Recorder();
        var objective = new PreferenceObjective(PreferenceMethod.Chats, new DiffusionNoising());
        using var g = new Generator(1);
        Assert.Throws<ArgumentException>(() => objective.Compute(Batch(), rec.For("w"), rec.For("l"), null, g));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Chats_NullConditioning_ReplacesThePooledEmbeddingToo(bool emptyPrompt)
    {
        // SD3 batches carry a pooled embedding beside the tokens: dropping the prompt must drop both.
        var xw = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 1, 1, 2);
        var tokens = tensor(new float[] { 1, 2, 3, 4, 5, 6, 7, 8 }).reshape(2, 2, 2);
        var pooled = tensor(new float[] { 10, 20, 30, 40, 50, 60 }).reshape(2, 3);
        var batch = new PreferenceBatch(xw, xw * 0.5f, new ConditioningBatch(tokens, pooled));
        using var emptyTokens = tensor(new float[] { 9, 8, 7, 6 }).reshape(2, 2);
        using var emptyPooled = tensor(new float[] { -1, -2, -3 });
        var calls = new List<(string Model, float[] Tokens, float[] Pooled)>();
        Denoiser For(string name) => (noisy, _, c) =>
        {
            calls.Add((name, c.PromptEmbeds.data<float>().ToArray(), c.PooledPromptEmbeds!.data<float>().ToArray()));
            return zeros_like(noisy);
        };

        var objective = new PreferenceObjective(
            PreferenceMethod.Chats, new FlowMatchingNoising(), pUncond: 1, nullConditioning: emptyPrompt ? new ConditioningBatch(emptyTokens, emptyPooled) : null);
        using var g = new Generator(5);
        objective.Compute(batch, For("win"), For("lose"), For("ref"), g);

        float[] expectedTokens = emptyPrompt ? [9, 8, 7, 6, 9, 8, 7, 6] : new float[8];
        float[] expectedPooled = emptyPrompt ? [-1, -2, -3, -1, -2, -3] : new float[6];
        Assert.Equal(["win", "lose", "ref", "ref"], calls.Select(c => c.Model));
        Assert.Equal(pooled.data<float>().ToArray(), calls[0].Pooled);   // θ+ sees c
        Assert.Equal(pooled.data<float>().ToArray(), calls[2].Pooled);   // and the reference on the w side
        Assert.Equal(expectedTokens, calls[1].Tokens);                    // θ− sees ∅ in both tensors
        Assert.Equal(expectedPooled, calls[1].Pooled);
        Assert.Equal(expectedTokens, calls[3].Tokens);                    // and the reference on the l side
        Assert.Equal(expectedPooled, calls[3].Pooled);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Chats_NullConditioning_ZeroesThePromptTensorsButKeepsTheTimeIds(bool emptyPrompt)
    {
        // SDXL batches: the official CHATS SDXL recipe zeroes prompt_embeds and the pooled text_embeds of the dropped
        // side and keeps add_time_ids, which describe the image; an empty-prompt null conditioning has no time ids.
        var xw = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 1, 1, 2);
        var tokens = tensor(new float[] { 1, 2, 3, 4, 5, 6, 7, 8 }).reshape(2, 2, 2);
        var pooled = tensor(new float[] { 10, 20, 30, 40, 50, 60 }).reshape(2, 3);
        var timeIds = tensor(new float[] { 64, 64, 0, 0, 64, 64, 32, 48, 0, 0, 32, 48 }).reshape(2, 6);
        var batch = new PreferenceBatch(xw, xw * 0.5f, new ConditioningBatch(new Dictionary<string, Tensor>
        {
            [ConditioningBatch.PromptEmbedsName] = tokens,
            [ConditioningBatch.PooledPromptEmbedsName] = pooled,
            [ConditioningBatch.TimeIdsName] = timeIds,
        }));
        using var emptyTokens = tensor(new float[] { 9, 8, 7, 6 }).reshape(2, 2);
        using var emptyPooled = tensor(new float[] { -1, -2, -3 });
        var calls = new List<(string Model, float[] Tokens, float[] Pooled, float[] TimeIds)>();
        Denoiser For(string name) => (noisy, _, c) =>
        {
            calls.Add((name, c.PromptEmbeds.data<float>().ToArray(), c.PooledPromptEmbeds!.data<float>().ToArray(), c.TimeIds!.data<float>().ToArray()));
            return zeros_like(noisy);
        };

        var objective = new PreferenceObjective(
            PreferenceMethod.Chats, new DiffusionNoising(), pUncond: 1, nullConditioning: emptyPrompt ? new ConditioningBatch(emptyTokens, emptyPooled) : null);
        using var g = new Generator(5);
        objective.Compute(batch, For("win"), For("lose"), For("ref"), g);

        float[] expectedTokens = emptyPrompt ? [9, 8, 7, 6, 9, 8, 7, 6] : new float[8];
        float[] expectedPooled = emptyPrompt ? [-1, -2, -3, -1, -2, -3] : new float[6];
        float[] ids = timeIds.data<float>().ToArray();
        Assert.Equal(["win", "lose", "ref", "ref"], calls.Select(c => c.Model));
        Assert.All(calls, c => Assert.Equal(ids, c.TimeIds));              // every call, c and ∅ alike
        Assert.Equal(pooled.data<float>().ToArray(), calls[0].Pooled);
        foreach (var dropped in new[] { calls[1], calls[3] })             // θ− and the reference on the l side
        {
            Assert.Equal(expectedTokens, dropped.Tokens);
            Assert.Equal(expectedPooled, dropped.Pooled);
        }
    }

    [Fact]
    public void Chats_NullConditioningWithoutAPooledEmbedding_IsRefusedForAPooledBatch()
    {
        var xw = tensor(new float[] { 1, 2 }).reshape(1, 1, 1, 2);
        var batch = new PreferenceBatch(xw, xw, new ConditioningBatch(zeros(1, 2, 2), ones(1, 3)));
        using var emptyTokens = zeros(2, 2);
        var objective = new PreferenceObjective(PreferenceMethod.Chats, new FlowMatchingNoising(), pUncond: 1, nullConditioning: new ConditioningBatch(emptyTokens));
        var rec = new Recorder();
        using var g = new Generator(5);
        var e = Assert.Throws<ArgumentException>(() => objective.Compute(batch, rec.For("w"), rec.For("l"), rec.For("r"), g));
        Assert.Contains(ConditioningBatch.PooledPromptEmbedsName, e.Message, StringComparison.Ordinal);
    }
}
