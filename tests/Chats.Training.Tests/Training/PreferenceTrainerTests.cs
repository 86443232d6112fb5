using Chats.Inference.Models.UNet2DCondition;
using Chats.Training.Diffusion;
using Chats.Training.Losses;
using Chats.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Training.Tests.Training;

[Collection(SerialTorchTests.Name)]
public sealed class PreferenceTrainerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "chats-train-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static TrainerOptions Fast => new() { LearningRate = 1e-3, Seed = 7 };

    [Theory]
    [InlineData(PreferenceMethod.Chats, false)]
    [InlineData(PreferenceMethod.Chats, true)]
    [InlineData(PreferenceMethod.DiffusionDpo, false)]
    public void FewSteps_LowerTheLossOnAFixedBatch(PreferenceMethod method, bool flow)
    {
        using var reference = TinyModels.UNet();
        var batch = TinyModels.Batch();
        INoisingProcess noising = flow ? new FlowMatchingNoising() : new DiffusionNoising();
        using var trainer = new PreferenceTrainer(reference, noising, Fast, new PreferenceOptions { Method = method, Beta = 100 });

        float before = trainer.Evaluate(batch, seed: 3, draws: 8);
        var losses = new List<float>();
        trainer.Train(_ => batch, 30, new InlineProgress(p => losses.Add(p.Loss)), TestContext.Current.CancellationToken);
        float after = trainer.Evaluate(batch, seed: 3, draws: 8);

        Assert.Equal(30, losses.Count);
        Assert.Equal(Math.Log(2), before, 1e-5);  // θ = θ_ref: the preference margin is 0
        Assert.True(after < before - 0.05, $"evaluation loss {before} -> {after}");
        Assert.True(losses.TakeLast(5).Average() < losses.Take(5).Average(), $"first {losses.Take(5).Average()} last {losses.TakeLast(5).Average()}");
    }

    [Fact]
    public void Chats_KeepsReferenceFrozen_AndSeparatesWinFromLoseWhenPUncondIsOne()
    {
        using var reference = TinyModels.UNet();
        float[] refBefore = TinyModels.Flat(reference);
        var batch = TinyModels.Batch();
        using var trainer = new PreferenceTrainer(reference, new DiffusionNoising(), Fast, new PreferenceOptions { PUncond = 1 });
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
    public void Checkpoint_SaveLoad_GivesIdenticalOutputs()
    {
        using var reference = TinyModels.UNet();
        var batch = TinyModels.Batch();
        using var trainer = new PreferenceTrainer(reference, new DiffusionNoising(), Fast);
        trainer.Train(_ => batch, 2, null, TestContext.Current.CancellationToken);
        trainer.SaveCheckpoint(_dir);

        Assert.True(File.Exists(Path.Combine(_dir, "unet_win", "diffusion_pytorch_model.safetensors")));
        Assert.True(File.Exists(Path.Combine(_dir, "unet_lose", "config.json")));
        Assert.True(File.Exists(Path.Combine(_dir, TrainingCheckpoint.OptimizerFileName)));
        var state = TrainingCheckpoint.ReadState(_dir);
        Assert.Equal(2, state.Step);
        Assert.Equal(PreferenceMethod.Chats, state.Preference!.Method);

        using var win = UNet2DConditionModel.Load(Path.Combine(_dir, "unet_win"));
        using var lose = UNet2DConditionModel.Load(Path.Combine(_dir, "unet_lose"));
        trainer.PolicyWin.eval();
        trainer.PolicyLose!.eval();
        using var _ = no_grad();
        using var t = tensor(new long[] { 10, 700 });
        Assert.Equal(Out(trainer.PolicyWin, batch, t), Out(win, batch, t));
        Assert.Equal(Out(trainer.PolicyLose, batch, t), Out(lose, batch, t));
    }

    [Theory]
    [InlineData(PreferenceMethod.Chats)]
    [InlineData(PreferenceMethod.DiffusionDpo)]
    public void Resume_ContinuesTheSameRun_BitIdentical(PreferenceMethod method)
    {
        using var reference = TinyModels.UNet();
        var batches = new[] { TinyModels.Batch(2), TinyModels.Batch(3) };
        var options = new PreferenceOptions { Method = method };

        using var straight = new PreferenceTrainer(reference, new DiffusionNoising(), Fast, options);
        straight.Train(i => batches[i % 2], 6, null, TestContext.Current.CancellationToken);

        using (var first = new PreferenceTrainer(reference, new DiffusionNoising(), Fast, options))
        {
            first.Train(i => batches[i % 2], 3, null, TestContext.Current.CancellationToken);
            first.SaveCheckpoint(_dir);
        }

        using var resumed = PreferenceTrainer.Resume(_dir, reference);
        Assert.Equal(3, resumed.Step);
        resumed.Train(i => batches[i % 2], 6, null, TestContext.Current.CancellationToken);

        Assert.Equal(TinyModels.Flat(straight.PolicyWin), TinyModels.Flat(resumed.PolicyWin));
        if (method == PreferenceMethod.Chats)
        {
            Assert.Equal(TinyModels.Flat(straight.PolicyLose!), TinyModels.Flat(resumed.PolicyLose!));
        }
        else
        {
            Assert.Null(resumed.PolicyLose);
            Assert.True(File.Exists(Path.Combine(_dir, "unet", "config.json")));
        }
    }

    [Fact]
    public void Progress_ReportsStepsSpeedAndEta()
    {
        using var reference = TinyModels.UNet();
        var batch = TinyModels.Batch();
        using var trainer = new PreferenceTrainer(reference, new DiffusionNoising(), Fast);
        var reports = new List<TrainingProgress>();
        trainer.Train(_ => batch, 3, new InlineProgress(reports.Add), TestContext.Current.CancellationToken);
        Assert.Equal([1, 2, 3], reports.Select(r => r.Step));
        Assert.All(reports, r => Assert.Equal(3, r.TotalSteps));
        Assert.All(reports, r => Assert.True(r.StepsPerSecond > 0 && float.IsFinite(r.Loss)));
        Assert.Equal(TimeSpan.Zero, reports[^1].Eta);
    }

    private static float[] Out(nn.Module model, PreferenceBatch batch, Tensor t)
    {
        using var o = ((UNet2DConditionModel)model).forward(batch.LatentWin, t, batch.Conditioning.PromptEmbeds);
        return o.data<float>().ToArray();
    }
}
