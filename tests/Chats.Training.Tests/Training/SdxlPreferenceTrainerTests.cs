using Chats.Core.Schedulers;
using Chats.Inference.Models.UNet2DCondition;
using Chats.Training.Diffusion;
using Chats.Training.Losses;
using Chats.Training.Training;
using static TorchSharp.torch;

namespace Chats.Training.Tests.Training;

/// <summary>
/// CHATS and Diffusion-DPO over an SDXL UNet (<c>text_time</c>: pooled embedding and time ids beside the token
/// embeddings), on the tiny-sdxl fixture's UNet and scheduler.
/// </summary>
[Collection(SerialTorchTests.Name)]
public sealed class SdxlPreferenceTrainerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "chats-train-sdxl-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static TrainerOptions Fast => new() { LearningRate = 1e-3, Seed = 7 };

    private static DiffusionNoising Noising() => new(SchedulerConfig.LoadForPipeline(TinySdxlModels.SdxlPipeline));

    [Theory]
    [InlineData(PreferenceMethod.Chats)]
    [InlineData(PreferenceMethod.DiffusionDpo)]
    public void FewSteps_LowerTheLossOnAFixedBatch(PreferenceMethod method)
    {
        using var reference = TinySdxlModels.Reference();
        var batch = TinySdxlModels.Batch();
        using var trainer = new PreferenceTrainer(reference, Noising(), Fast with { LearningRate = 1e-4 }, new PreferenceOptions { Method = method, Beta = 100 });
        Assert.Same(DenoiserFamily.UNet, trainer.Family);

        float before = trainer.Evaluate(batch, seed: 3, draws: 8);
        var losses = new List<float>();
        trainer.Train(_ => batch, 10, new InlineProgress(p => losses.Add(p.Loss)), TestContext.Current.CancellationToken);
        float after = trainer.Evaluate(batch, seed: 3, draws: 8);
        TestContext.Current.TestOutputHelper?.WriteLine($"{method}: evaluation loss {before} -> {after}; steps {string.Join(", ", losses)}");

        Assert.Equal(10, losses.Count);
        Assert.Equal(Math.Log(2), before, 1e-5);  // θ = θ_ref: the preference margin is 0
        Assert.True(after < before - 0.05, $"evaluation loss {before} -> {after}");
        Assert.True(losses.TakeLast(3).Average() < losses.Take(3).Average(), $"first {losses.Take(3).Average()} last {losses.TakeLast(3).Average()}");
    }

    [Fact]
    public void PooledEmbeddingAndTimeIds_ReachTheUNet()
    {
        // A one-model loss without a reference term depends on the prediction itself (CHATS and DPO are log 2 at θ_ref
        // whatever the conditioning): with the same draws, changing only the pooled embedding or only the time ids
        // must change it, or that tensor was dropped on the way.
        using var reference = TinySdxlModels.Reference();
        var batch = TinySdxlModels.Batch();
        var c = batch.Conditioning;
        using var trainer = new PreferenceTrainer(reference, Noising(), Fast, new PreferenceOptions { Method = PreferenceMethod.FineTunePreferredOnly });
        using var otherPooled = c.PooledPromptEmbeds! + 1f;
        using var otherTimeIds = TinySdxlModels.TimeIds(2, side: 128);

        float baseline = trainer.Evaluate(batch, seed: 3);
        float again = trainer.Evaluate(batch, seed: 3);
        float pooled = trainer.Evaluate(batch with { Conditioning = TinySdxlModels.Conditioning(c.PromptEmbeds, otherPooled, c.TimeIds!) }, seed: 3);
        float timeIds = trainer.Evaluate(batch with { Conditioning = TinySdxlModels.Conditioning(c.PromptEmbeds, c.PooledPromptEmbeds!, otherTimeIds) }, seed: 3);
        TestContext.Current.TestOutputHelper?.WriteLine($"loss {baseline}; pooled + 1: {pooled}; time ids at 128: {timeIds}");

        Assert.Equal(baseline, again);
        Assert.True(Math.Abs(pooled - baseline) > 1e-6f, $"pooled embedding changed, loss {baseline} -> {pooled}");
        Assert.True(Math.Abs(timeIds - baseline) > 1e-6f, $"time ids changed, loss {baseline} -> {timeIds}");
    }

    [Theory]
    [InlineData(PreferenceMethod.Chats)]
    [InlineData(PreferenceMethod.DiffusionDpo)]
    public void Resume_ContinuesTheSameRun_BitIdentical(PreferenceMethod method)
    {
        using var reference = TinySdxlModels.Reference();
        var batches = new[] { TinySdxlModels.Batch(2), TinySdxlModels.Batch(3) };
        var options = new PreferenceOptions { Method = method };
        var ct = TestContext.Current.CancellationToken;

        using var straight = new PreferenceTrainer(reference, Noising(), Fast, options);
        straight.Train(i => batches[i % 2], 6, null, ct);

        using (var first = new PreferenceTrainer(reference, Noising(), Fast, options))
        {
            first.Train(i => batches[i % 2], 3, null, ct);
            first.SaveCheckpoint(_dir);
        }

        using var resumed = PreferenceTrainer.Resume(_dir, reference);
        Assert.Equal(3, resumed.Step);
        resumed.Train(i => batches[i % 2], 6, null, ct);

        float[] trained = TinyModels.Flat(straight.PolicyWin);
        Assert.NotEqual(TinyModels.Flat(reference), trained);
        Assert.Equal(trained, TinyModels.Flat(resumed.PolicyWin));
        if (method == PreferenceMethod.Chats)
        {
            Assert.Equal(TinyModels.Flat(straight.PolicyLose!), TinyModels.Flat(resumed.PolicyLose!));
        }
        else
        {
            Assert.Null(resumed.PolicyLose);
            Assert.True(File.Exists(Path.Combine(_dir, "unet", UNet2DConditionModel.ConfigFileName)));
        }
    }

    [Theory]
    [InlineData(ConditioningBatch.PooledPromptEmbedsName)]
    [InlineData(ConditioningBatch.TimeIdsName)]
    public void SdxlBatch_WithoutAnAddedConditioningTensor_IsRefusedNamingIt(string missing)
    {
        using var reference = TinySdxlModels.Reference();
        var full = TinySdxlModels.Batch();
        var tensors = full.Conditioning.Tensors.Where(kv => kv.Key != missing).ToDictionary(kv => kv.Key, kv => kv.Value);
        var batch = full with { Conditioning = new ConditioningBatch(tensors) };
        using var trainer = new PreferenceTrainer(reference, Noising(), Fast);
        var e = Assert.Throws<ArgumentException>(() => trainer.TrainStep(batch));
        Assert.StartsWith($"an SDXL UNet (text_time) needs '{missing}' too", e.Message, StringComparison.Ordinal);
    }
}
