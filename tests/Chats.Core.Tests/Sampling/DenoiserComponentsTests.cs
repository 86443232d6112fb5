using Chats.Core.Sampling;

namespace Chats.Core.Tests.Sampling;

public sealed class DenoiserComponentsTests
{
    [Theory]
    [InlineData(DenoiserRole.Preferred, "unet_win")]
    [InlineData(DenoiserRole.Dispreferred, "unet_lose")]
    [InlineData(DenoiserRole.Standard, "unet")]
    public void For_EachRole_IsTheComponentTheChatsPipelinesShip(DenoiserRole role, string component) =>
        Assert.Equal(component, DenoiserComponents.For(role));

    [Fact]
    public void For_UndefinedRole_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => DenoiserComponents.For((DenoiserRole)42));

    [Theory]
    [InlineData(DenoiserRole.Preferred, "transformer_win")]
    [InlineData(DenoiserRole.Dispreferred, "transformer_lose")]
    [InlineData(DenoiserRole.Standard, "transformer")]
    public void For_ATransformerPipeline_IsItsTransformerComponent(DenoiserRole role, string component)
    {
        string dir = Path.Combine(Path.GetTempPath(), "chats-components-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "model_index.json"), """
                {"_class_name": "StableDiffusion3Pipeline", "transformer": ["diffusers", "SD3Transformer2DModel"],
                 "transformer_win": ["diffusers", "SD3Transformer2DModel"], "transformer_lose": ["diffusers", "SD3Transformer2DModel"],
                 "text_encoder": [null, null]}
                """);
            var folder = Core.Loading.DiffusersPipelineFolder.Open(dir);

            Assert.Equal(component, DenoiserComponents.For(role, folder));
            Assert.True(DenoiserComponents.Has(folder, role));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void For_AUNetPipeline_IsItsUNetComponent_AndAMissingRoleFallsBackToTheUNetName()
    {
        string dir = Path.Combine(Path.GetTempPath(), "chats-components-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "model_index.json"), """{"_class_name": "ChatsSD15Pipeline", "unet_win": ["diffusers", "UNet2DConditionModel"]}""");
            var folder = Core.Loading.DiffusersPipelineFolder.Open(dir);

            Assert.Equal("unet_win", DenoiserComponents.For(DenoiserRole.Preferred, folder));
            Assert.False(DenoiserComponents.Has(folder, DenoiserRole.Dispreferred));
            Assert.Equal("unet_lose", DenoiserComponents.For(DenoiserRole.Dispreferred, folder));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
