using Chats.Inference.Models.Vae;
using Chats.Training.Training;
using static TorchSharp.torch;

namespace Chats.Training.Tests.Training;

[Collection(SerialTorchTests.Name)]
public sealed class VaeTrainerTests : IDisposable
{
    private const string Config = """
        {"_class_name": "AutoencoderKL", "_diffusers_version": "0.25.0", "act_fn": "silu", "block_out_channels": [8, 8],
         "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D"], "in_channels": 3, "latent_channels": 4,
         "layers_per_block": 1, "norm_num_groups": 4, "out_channels": 3, "sample_size": 16, "scaling_factor": 1.0,
         "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D"]}
        """;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "chats-vae-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void FewSteps_LowerTheLoss_AndResumeIsBitIdentical()
    {
        using var images = Images();
        var options = new TrainerOptions { LearningRate = 3e-3, Seed = 3 };
        var loss = new VaeLossOptions();

        using var vae = NewVae();
        using var straight = new VaeTrainer(vae, options, loss);
        float before = straight.Evaluate(images, seed: 4);
        for (int i = 0; i < 30; i++)
        {
            straight.TrainStep(images);
        }

        float after = straight.Evaluate(images, seed: 4);
        Assert.True(after < before * 0.7, $"evaluation loss {before} -> {after}");

        using var vae2 = NewVae();
        using (var first = new VaeTrainer(vae2, options, loss))
        {
            for (int i = 0; i < 12; i++)
            {
                first.TrainStep(images);
            }

            first.SaveCheckpoint(_dir);
        }

        using var resumed = VaeTrainer.Resume(_dir, loss);
        Assert.Equal(12, resumed.Step);
        while (resumed.Step < 30)
        {
            resumed.TrainStep(images);
        }

        Assert.Equal(TinyModels.Flat(straight.Vae), TinyModels.Flat(resumed.Vae));
    }

    [Fact]
    public void ForegroundWeight_ScalesTheErrorOfNonWhitePixels()
    {
        // A white image with one coloured block: with foreground weight 1 and no KL the loss is the plain MSE; raising
        // the weight raises it by the foreground share of the error, never lowers it.
        using var images = Images();
        using var vae = NewVae();
        using var plain = new VaeTrainer(vae, new TrainerOptions { Seed = 1 }, new VaeLossOptions { ForegroundWeight = 1, KlWeight = 0 });
        using var weighted = new VaeTrainer(vae, new TrainerOptions { Seed = 1 }, new VaeLossOptions { ForegroundWeight = 5, KlWeight = 0 });
        float a = plain.Evaluate(images, seed: 2);
        float b = weighted.Evaluate(images, seed: 2);
        Assert.True(b > a * 1.05, $"weighted {b} vs plain {a}");
    }

    private static AutoencoderKL NewVae()
    {
        set_num_threads(1);
        manual_seed(11);
        return new AutoencoderKL(AutoencoderKLConfig.Parse(Config));
    }

    private static Tensor Images()
    {
        // White canvases with a coloured square each, like the lab's scenes.
        var x = ones(4, 3, 16, 16);
        for (int i = 0; i < 4; i++)
        {
            x[i, .., (2 + i)..(9 + i), (3 + i)..(10 + i)] = tensor(new float[] { -0.6f + (0.3f * i), 0.2f, 0.8f - (0.4f * i) }).view(3, 1, 1);
        }

        return x;
    }
}
