using Chats.Inference.Models.UNet2DCondition;
using Chats.Training.Runs;
using Chats.Training.Shapes;
using Chats.Training.Tests.Data;
using Chats.Training.Tests.Training;

namespace Chats.Training.Tests.Runs;

[Collection(SerialTorchTests.Name)]
public sealed class ShapesUNetSizeTests
{
    [Theory]
    [InlineData("32", 2, "2 to 4")]
    [InlineData("32,64,128,256,512", 2, "2 to 4")]
    [InlineData("30,64", 2, "30 is not a positive multiple of 8")]
    [InlineData("32,x", 2, "'x' is not a whole number")]
    [InlineData("32,-64", 2, "'-64' is not a whole number")]
    [InlineData("32,64", 0, "--layers-per-block: 0")]
    public void Parse_RefusesABadSize_NamingTheProblem(string channels, int layers, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => ShapesUNetSize.Parse(channels, layers));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDefaultSize_WritesTheShippedModelsConfigUnchanged()
    {
        var parsed = ShapesUNetSize.Parse("32, 64", 2);
        Assert.True(parsed.IsDefault);
        Assert.Same(ShapesPipelineConfig.UNet, ShapesPipelineConfig.UNetConfig(parsed));
    }

    [Fact]
    public void ALargerSize_GivesAUNetConfigWithThoseChannels_CrossAttentionBelowTheFirstLevel()
    {
        var config = UNet2DConditionConfig.Parse(ShapesPipelineConfig.UNetConfig(ShapesUNetSize.Parse("32,64,128", 3)));
        Assert.Equal([32, 64, 128], config.BlockOutChannels);
        Assert.All(config.LayersPerBlock, l => Assert.Equal(3, l));
        Assert.Equal(["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"], config.DownBlockTypes);
        Assert.Equal(["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"], config.UpBlockTypes);
    }

    [Fact]
    public void ABaseRunOfANonDefaultSize_ShipsThatUNet_AndRefusesToResumeAsAnother()
    {
        using var folder = new TempFolder();
        var ct = TestContext.Current.CancellationToken;
        var options = new BaseRunOptions
        {
            Output = folder.Path,
            Scenes = 8,
            VaeSteps = 1,
            VaeBatchSize = 2,
            DenoiserSteps = 1,
            DenoiserBatchSize = 2,
            CheckpointEvery = 1,
            Seed = 1,
            TorchThreads = 1,
            UNetSize = ShapesUNetSize.Parse("16,32,32", 1),
        };
        var lines = new List<string>();
        ShapesBaseRun.Run(options, log: lines.Add, cancellationToken: ct);

        var shipped = UNet2DConditionConfig.Load(folder.Combine("unet/config.json"));
        Assert.Equal([16, 32, 32], shipped.BlockOutChannels);
        using var unet = UNet2DConditionModel.Load(folder.Combine("unet"));
        long parameters = ShapesBaseRun.ParameterCount(unet);
        string sizeLine = Assert.Single(lines, l => l.StartsWith("UNet (16, 32, 32), 1 layer per block", StringComparison.Ordinal));
        Assert.Contains(FormattableString.Invariant($"{parameters:N0} parameters (fp32 {4 * parameters / 1e6:F2} MB"), sizeLine, StringComparison.Ordinal);

        var e = Assert.Throws<ArgumentException>(() => ShapesBaseRun.Run(options with { DenoiserSteps = 2, UNetSize = ShapesUNetSize.Default }, cancellationToken: ct));
        Assert.Contains("resume with the size it started with", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Median_OfOddAndEvenCounts()
    {
        Assert.Equal(2.0, ShapesBaseRun.Median([3.0, 1.0, 2.0]));
        Assert.Equal(2.5, ShapesBaseRun.Median([4.0, 1.0, 2.0, 3.0]));
        Assert.Equal(0.0, ShapesBaseRun.Median([]));
    }
}
