using Chats.Training.Diffusion;
using Chats.Training.Training;

namespace Chats.Training.Tests.Training;

[Collection(SerialTorchTests.Name)]
public sealed class DenoiserTrainerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "chats-train-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FewSteps_LowerTheLoss_AndResumeIsBitIdentical(bool flow)
    {
        var pair = TinyModels.Batch();
        var batch = new DenoiserBatch(pair.LatentWin, pair.Conditioning.PromptEmbeds);
        var options = new TrainerOptions { LearningRate = 3e-3, Seed = 5 };
        INoisingProcess noising = flow ? new FlowMatchingNoising() : new DiffusionNoising();
        var ct = TestContext.Current.CancellationToken;

        using var unet = TinyModels.UNet();
        using var straight = new DenoiserTrainer(unet, noising, options);
        float before = straight.Evaluate(batch, seed: 9, draws: 8);
        straight.Train(_ => batch, 20, null, ct);
        float after = straight.Evaluate(batch, seed: 9, draws: 8);
        Assert.True(after < before * 0.9, $"evaluation loss {before} -> {after}");

        using var unet2 = TinyModels.UNet();
        using (var first = new DenoiserTrainer(unet2, noising, options))
        {
            first.Train(_ => batch, 10, null, ct);
            first.SaveCheckpoint(_dir);
        }

        using var resumed = DenoiserTrainer.Resume(_dir);
        resumed.Train(_ => batch, 20, null, ct);
        Assert.Equal(TinyModels.Flat(straight.UNet), TinyModels.Flat(resumed.UNet));
    }
}
