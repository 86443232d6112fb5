using Chats.Core.Loading;
using Chats.Training.Tests.Data;
using Chats.Training.Training;
using Chats.Tools;

namespace Chats.Training.Tests.Training;

[Collection(SerialTorchTests.Name)]
public sealed class DenoiserFamilyTests
{
    [Fact]
    public void ReferenceOf_ReadsTheFamilyFromModelIndexClassNames()
    {
        Assert.Equal((DenoiserFamily.SD3Transformer, "transformer_win"), DenoiserFamily.ReferenceOf(DiffusersPipelineFolder.Open(TinySd3Models.ChatsPipeline)));
        Assert.Equal((DenoiserFamily.SD3Transformer, "transformer"), DenoiserFamily.ReferenceOf(DiffusersPipelineFolder.Open(TinySd3Models.Sd3Pipeline)));

        using var temp = new TempFolder();
        TinyPipelineBuilder.Create(temp.Combine("sd15"));
        Assert.Equal((DenoiserFamily.UNet, "unet"), DenoiserFamily.ReferenceOf(DiffusersPipelineFolder.Open(temp.Combine("sd15"))));
    }

    [Fact]
    public void ReferenceOf_AComponentOfAnotherClass_IsNotTakenForTheFamily()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp.Combine("transformer"));
        File.WriteAllText(temp.Combine("model_index.json"), """
            {"_class_name": "SomePipeline", "transformer": ["diffusers", "FluxTransformer2DModel"]}
            """);
        var e = Assert.Throws<InvalidDataException>(() => DenoiserFamily.ReferenceOf(DiffusersPipelineFolder.Open(temp.Path)));
        Assert.Contains("SD3Transformer2DModel", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Of_TellsTheFamiliesApart_AndRefusesOtherModules()
    {
        using var unet = TinyModels.UNet();
        using var transformer = TinySd3Models.Reference();
        Assert.Same(DenoiserFamily.UNet, DenoiserFamily.Of(unet));
        Assert.Same(DenoiserFamily.SD3Transformer, DenoiserFamily.Of(transformer));
        Assert.Equal(["transformer", "transformer_win", "transformer_lose"], DenoiserFamily.SD3Transformer.Components);
        using var linear = TorchSharp.torch.nn.Linear(2, 2);
        Assert.Throws<NotSupportedException>(() => DenoiserFamily.Of(linear));
    }
}
