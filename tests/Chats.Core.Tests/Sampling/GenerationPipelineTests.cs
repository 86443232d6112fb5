using Chats.Core.Guidance;
using Chats.Core.Loading;
using Chats.Core.Sampling;
using Chats.Core.Schedulers;
using Chats.Core.Tensors;

namespace Chats.Core.Tests.Sampling;

public sealed class GenerationPipelineTests
{
    private static readonly ModelGeometry s_geometry = new(4, 8, 16, 16, PredictionType.Epsilon, UsesTimeIds: false);

    [Theory]
    [InlineData("tiny-sdxl", true)]
    [InlineData("tiny-sd15", false)]
    [InlineData("tiny-chats-sdxl", false)]
    [InlineData("tiny-chats-sd15", false)]
    public void PipelineFolder_ReadsForceZerosForEmptyPrompt(string pipeline, bool expected)
        => Assert.Equal(expected, DiffusersPipelineFolder.Open(FixturePaths.Combine(pipeline)).ForceZerosForEmptyPrompt);

    [Fact]
    public async Task Cfg_EmptyNegativeAndForceZeros_ConditionsOnZerosWithoutEncodingTheEmptyPrompt()
    {
        var (encoder, denoiser, _) = await RunAsync(GuidanceMode.Cfg, negativePrompt: "", zeros: true);

        Assert.Equal(["a cat"], encoder.Prompts);
        var unconditional = Assert.Single(denoiser.Setups).Conditionings[1];
        Assert.All(unconditional.HiddenStates.Data, v => Assert.Equal(0f, v));
        Assert.All(unconditional.Pooled!.Data, v => Assert.Equal(0f, v));
        Assert.Equal([4, 8], unconditional.HiddenStates.Shape);
    }

    [Theory]
    [InlineData(GuidanceMode.Cfg, "blurry", true)]
    [InlineData(GuidanceMode.Cfg, "", false)]
    [InlineData(GuidanceMode.Chats, "", true)]
    public async Task NegativePrompt_IsEncoded_UnlessCfgWithEmptyNegativeAndForceZeros(GuidanceMode mode, string negativePrompt, bool zeros)
    {
        var (encoder, _, _) = await RunAsync(mode, negativePrompt, zeros);

        Assert.Equal(["a cat", negativePrompt], encoder.Prompts);
    }

    [Fact]
    public async Task InitialNoise_IsScaledByInitNoiseSigmaLikeGeneratedNoise()
    {
        // The seed's own noise given explicitly must end in the same latents as the seeded run.
        var seeded = await RunAsync(GuidanceMode.Cfg, "", zeros: false);
        var noise = new HostTensor(GaussianNoise.Sample(4 * 2 * 2, 7), [1, 4, 2, 2]);
        var given = await RunAsync(GuidanceMode.Cfg, "", zeros: false, noise);

        Assert.Equal(seeded.Decoder.Latents!.Data, given.Decoder.Latents!.Data);
    }

    [Fact]
    public async Task InitialNoise_OfTheWrongShape_Throws()
    {
        var noise = new HostTensor(new float[4 * 3 * 3], [1, 4, 3, 3]);

        await Assert.ThrowsAsync<ArgumentException>(() => RunAsync(GuidanceMode.Cfg, "", zeros: false, noise));
    }

    private static async Task<(FakePromptEncoder Encoder, ZeroDenoiserEndpoint Denoiser, KeepingLatentDecoder Decoder)> RunAsync(
        GuidanceMode mode, string negativePrompt, bool zeros, HostTensor? initialNoise = null)
    {
        var encoder = new FakePromptEncoder();
        var denoiser = new ZeroDenoiserEndpoint();
        var decoder = new KeepingLatentDecoder();
        var roles = new DenoiserRoles(denoiser, new ZeroDenoiserEndpoint(), null);
        var pipeline = new GenerationPipeline(encoder, roles, decoder, SchedulerConfig.StableDiffusionDefaults, s_geometry, zeros);
        var spec = new GenerationSpec("a cat", negativePrompt, 16, 16, 2, 7, new GuidanceParameters(mode, 5f, 0.5f), SchedulerKind.Ddim, 1);
        await foreach (var _ in pipeline.RunAsync(spec, "g", initialNoise, TestContext.Current.CancellationToken))
        {
        }

        return (encoder, denoiser, decoder);
    }
}
