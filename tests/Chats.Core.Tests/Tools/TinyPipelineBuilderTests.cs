using Chats.Core.Guidance;
using Chats.Core.Sampling;
using Chats.Inference.Local;
using Chats.Inference.Models.UNet2DCondition;
using Chats.Tools;
using Chats.Training.Data;

namespace Chats.Core.Tests.Tools;

[Collection("TorchSharp")]
public sealed class TinyPipelineBuilderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "chats-sd15-shaped-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public async Task Sd15Shaped_WritesSd15BlockLayout_AndGeneratesAtItsSampleSize()
    {
        // A latent of 8 keeps the forwards to milliseconds; the layout under test does not depend on it.
        TinyPipelineBuilder.Create(_dir, new TinyPipelineOptions { Preset = TinyPipelinePreset.Sd15Shaped, SampleSize = 8 });

        foreach (string component in new[] { DenoiserComponents.Standard, DenoiserComponents.Preferred, DenoiserComponents.Dispreferred })
        {
            var config = UNet2DConditionConfig.Load(Path.Combine(_dir, component, UNet2DConditionModel.ConfigFileName));
            Assert.Equal(["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"], config.DownBlockTypes);
            Assert.Equal(["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"], config.UpBlockTypes);
            Assert.Equal([2, 2, 2, 2], config.LayersPerBlock);
            Assert.Equal([8, 8, 8, 8], config.NumAttentionHeads);
            Assert.Equal(TinyPipelineBuilder.Sd15ShapedBlockOutChannels, config.BlockOutChannels);
            Assert.Equal([320, 640, 1280, 1280], config.BlockOutChannels.Select(c => c * 320 / config.BlockOutChannels[0]));
            Assert.Equal(8, config.SampleSize);
        }

        using var pipeline = LocalPipeline.Open(_dir);
        Assert.Equal((8 * TinyPipelineBuilder.VaeSpatialFactor, 8 * TinyPipelineBuilder.VaeSpatialFactor), (pipeline.Geometry.DefaultWidth, pipeline.Geometry.DefaultHeight));
        var images = await pipeline.GenerateAsync(
            new GenerationRequestInput("a red circle", string.Empty, 0, 0, 2, 1, null, null, GuidanceMode.Chats, null, 1), TestContext.Current.CancellationToken);

        var image = RgbImageDecoder.Decode(Assert.Single(images).Png);
        Assert.Equal((32, 32), (image.Width, image.Height));
    }
}
