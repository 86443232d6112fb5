using Chats.Inference.Models.SD3Transformer;
using Chats.Training.Diffusion;
using Chats.Training.Losses;
using Chats.Training.Training;
using static TorchSharp.torch;

namespace Chats.Training.Tests.Training;

/// <summary>CHATS and Diffusion-DPO over an SD3 transformer (rectified flow), on the tiny-chats-sd3 fixture.</summary>
[Collection(SerialTorchTests.Name)]
public sealed class Sd3PreferenceTrainerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "chats-train-sd3-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static TrainerOptions Fast => new() { LearningRate = 1e-3, Seed = 7 };

    [Theory]
    [InlineData(PreferenceMethod.Chats)]
    [InlineData(PreferenceMethod.DiffusionDpo)]
    public void FewSteps_LowerTheLossOnAFixedBatch(PreferenceMethod method)
    {
        using var reference = TinySd3Models.Reference();
        var batch = TinySd3Models.Batch();
        using var trainer = new PreferenceTrainer(
            reference, new FlowMatchingNoising(), Fast with { LearningRate = 1e-4 }, new PreferenceOptions { Method = method, Beta = 100 });
        Assert.Same(DenoiserFamily.SD3Transformer, trainer.Family);

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
    public void Chats_KeepsReferenceFrozen_AndTrainsBothTransformersApart()
    {
        using var reference = TinySd3Models.Reference();
        float[] refBefore = TinyModels.Flat(reference);
        var batch = TinySd3Models.Batch();
        using var trainer = new PreferenceTrainer(reference, new FlowMatchingNoising(), Fast, new PreferenceOptions { PUncond = 1 });
        Assert.IsType<SD3Transformer2DModel>(trainer.PolicyWin);
        Assert.Equal(refBefore, TinyModels.Flat(trainer.PolicyWin));
        Assert.Equal(refBefore, TinyModels.Flat(trainer.PolicyLose!));

        trainer.Train(_ => batch, 3, null, TestContext.Current.CancellationToken);

        Assert.Equal(refBefore, TinyModels.Flat(reference));
        Assert.All(reference.parameters(), p => Assert.Null(p.grad));
        float[] win = TinyModels.Flat(trainer.PolicyWin), lose = TinyModels.Flat(trainer.PolicyLose!);
        Assert.NotEqual(refBefore, win);
        Assert.True(win.Zip(lose, (a, b) => Math.Abs(a - b)).Max() > 1e-5f);
    }

    [Fact]
    public void Checkpoint_WritesTransformerComponents_ThatLoadStrictlyWithIdenticalOutputs()
    {
        using var reference = TinySd3Models.Reference();
        var batch = TinySd3Models.Batch();
        using var trainer = new PreferenceTrainer(reference, new FlowMatchingNoising(), Fast);
        trainer.Train(_ => batch, 2, null, TestContext.Current.CancellationToken);
        trainer.SaveCheckpoint(_dir);

        foreach (string component in new[] { "transformer_win", "transformer_lose" })
        {
            Assert.True(File.Exists(Path.Combine(_dir, component, SD3Transformer2DModel.ConfigFileName)), component);
            Assert.True(File.Exists(Path.Combine(_dir, component, SD3Transformer2DModel.WeightsFileName)), component);
        }

        Assert.False(Directory.Exists(Path.Combine(_dir, "unet_win")));
        Assert.False(Directory.Exists(Path.Combine(_dir, "transformer")));
        var state = TrainingCheckpoint.ReadState(_dir);
        Assert.Equal(2, state.Step);
        Assert.Equal(NoisingKind.FlowMatching, state.Noising!.Kind);

        using var win = SD3Transformer2DModel.Load(Path.Combine(_dir, "transformer_win"));
        using var lose = SD3Transformer2DModel.Load(Path.Combine(_dir, "transformer_lose"));
        trainer.PolicyWin.eval();
        trainer.PolicyLose!.eval();
        using var _ = no_grad();
        using var t = tensor(new float[] { 12.5f, 730f });
        Assert.Equal(TinySd3Models.Predict(trainer.PolicyWin, batch, t), TinySd3Models.Predict(win, batch, t));
        Assert.Equal(TinySd3Models.Predict(trainer.PolicyLose, batch, t), TinySd3Models.Predict(lose, batch, t));
        Assert.NotEqual(TinySd3Models.Predict(reference, batch, t), TinySd3Models.Predict(win, batch, t));
    }

    [Theory]
    [InlineData(PreferenceMethod.Chats)]
    [InlineData(PreferenceMethod.DiffusionDpo)]
    public void Resume_ContinuesTheSameRun_BitIdentical(PreferenceMethod method)
    {
        using var reference = TinySd3Models.Reference();
        var batches = new[] { TinySd3Models.Batch(2), TinySd3Models.Batch(3) };
        var options = new PreferenceOptions { Method = method };
        var ct = TestContext.Current.CancellationToken;

        using var straight = new PreferenceTrainer(reference, new FlowMatchingNoising(), Fast, options);
        straight.Train(i => batches[i % 2], 6, null, ct);

        using (var first = new PreferenceTrainer(reference, new FlowMatchingNoising(), Fast, options))
        {
            first.Train(i => batches[i % 2], 3, null, ct);
            first.SaveCheckpoint(_dir);
        }

        using var resumed = PreferenceTrainer.Resume(_dir, reference);
        Assert.Equal(3, resumed.Step);
        Assert.IsType<SD3Transformer2DModel>(resumed.PolicyWin);
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
            Assert.True(File.Exists(Path.Combine(_dir, "transformer", SD3Transformer2DModel.ConfigFileName)));
        }
    }

    [Fact]
    public void Resume_WithAUNetReference_RefusesATransformerCheckpoint()
    {
        using (var reference = TinySd3Models.Reference())
        using (var trainer = new PreferenceTrainer(reference, new FlowMatchingNoising(), Fast))
        {
            trainer.SaveCheckpoint(_dir);
        }

        using var unet = TinyModels.UNet();
        var e = Assert.Throws<InvalidDataException>(() => PreferenceTrainer.Resume(_dir, unet));
        Assert.Contains("unet_win", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sd3Batch_WithoutPooledEmbeddings_IsRefusedNamingTheTensor()
    {
        using var reference = TinySd3Models.Reference();
        var full = TinySd3Models.Batch();
        var batch = new PreferenceBatch(full.LatentWin, full.LatentLose, full.Conditioning.PromptEmbeds);
        using var trainer = new PreferenceTrainer(reference, new FlowMatchingNoising(), Fast);
        var e = Assert.Throws<ArgumentException>(() => trainer.TrainStep(batch));
        Assert.Contains(ConditioningBatch.PooledPromptEmbedsName, e.Message, StringComparison.Ordinal);
    }
}
