using Chats.Core.Guidance;
using Chats.Inference.Roles;
using Chats.Inference.Engine;
using Chats.Inference.Local;
using Chats.Core.Loading;
using Chats.Core.Sampling;
using Chats.Tools;

namespace Chats.Core.Tests.Loading;

public sealed class SamplingDefaultsFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "chats-defaults-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void NoFile_LeavesTheLimitsAsTheyAre()
    {
        Directory.CreateDirectory(_dir);
        var limits = new SamplingLimits();
        Assert.Same(limits, SamplingDefaultsFile.Apply(_dir, limits));
    }

    [Fact]
    public void UnknownMode_FailsNamingTheFileAndTheMode()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, SamplingDefaultsFile.FileName), """{"guidance_scale": {"cfgx": 2}}""");
        var e = Assert.Throws<InvalidDataException>(() => SamplingDefaultsFile.Apply(_dir, new SamplingLimits()));
        Assert.Contains(SamplingDefaultsFile.FileName, e.Message, StringComparison.Ordinal);
        Assert.Contains("cfgx", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestsWithoutAScale_GetTheFilesScaleForTheirMode()
    {
        TinyPipelineBuilder.Create(_dir);
        File.WriteAllText(Path.Combine(_dir, SamplingDefaultsFile.FileName), """{"guidance_scale": {"cfg": 1.5, "chats": 3.0}, "alpha": 0.25}""");
        var ct = TestContext.Current.CancellationToken;
        using var pipeline = LocalPipeline.Open(_dir);

        async Task<byte[]> Png(GuidanceMode mode, float? scale, float? alpha) =>
            (await pipeline.GenerateAsync(new GenerationRequestInput("a red circle", string.Empty, 64, 64, 3, 9, scale, alpha, mode, null, 1), ct))[0].Png;

        Assert.Equal(await Png(GuidanceMode.Cfg, 1.5f, null), await Png(GuidanceMode.Cfg, null, null));
        Assert.Equal(await Png(GuidanceMode.Chats, 3f, 0.25f), await Png(GuidanceMode.Chats, null, null));
        Assert.NotEqual(await Png(GuidanceMode.Chats, 5f, 0.5f), await Png(GuidanceMode.Chats, null, null));
    }
}
