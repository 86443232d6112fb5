using Chats.Core.Guidance;
using Chats.Inference.Roles;
using Chats.Inference.Engine;
using Chats.Inference.Local;
using Chats.Core.Loading;
using Chats.Core.Sampling;
using Chats.Training.Data;
using Chats.Training.Shapes;
using Chats.Training.Tests.Training;

namespace Chats.Training.Tests.Shapes;

/// <summary>The pipelines under <c>models/</c> that the README's main command serves by default.</summary>
[Collection(SerialTorchTests.Name)]
public sealed class ShippedModelsTests
{
    private static readonly Lazy<string> s_models = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Chats.Microservices.sln")))
            {
                return Path.Combine(dir.FullName, "models");
            }
        }

        throw new DirectoryNotFoundException("the repository root was not found above " + AppContext.BaseDirectory);
    });

    private static string Model(string name) => Path.Combine(s_models.Value, name);

    [Theory]
    [InlineData("shapes-standard", new[] { "unet" })]
    [InlineData("shapes-dpo", new[] { "unet" })]
    [InlineData("shapes-chats", new[] { "unet_win", "unet_lose" })]
    public void EachFolder_IsACompletePipeline_WithTheLabsSamplingDefaults(string name, string[] unets)
    {
        var folder = DiffusersPipelineFolder.Open(Model(name));
        string[] expected = [.. unets, "text_encoder", "tokenizer", "vae", "scheduler"];
        Assert.Equal(expected.Order(), folder.ComponentNames.Order());
        Assert.True(File.Exists(Path.Combine(folder.Root, SamplingDefaultsFile.FileName)), $"{name} has no {SamplingDefaultsFile.FileName}");
        var limits = SamplingDefaultsFile.Apply(folder.Root, new SamplingLimits());
        Assert.Contains(GuidanceMode.Cfg, limits.DefaultGuidanceScales.Keys);
    }

    [Fact]
    public void TheThreeFolders_FitTheThirtyMegabyteBudget()
    {
        long bytes = new[] { "shapes-standard", "shapes-dpo", "shapes-chats" }
            .SelectMany(n => Directory.EnumerateFiles(Model(n), "*", SearchOption.AllDirectories))
            .Sum(f => new FileInfo(f).Length);
        Assert.InRange(bytes, 1_000_000, 30_000_000);
    }

    [Fact]
    public async Task TheChatsModel_WithTheStandardModelLent_DrawsTheShapesItIsAskedFor()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pipeline = LocalPipeline.Open(Model("shapes-chats"), standardModelPath: Model("shapes-standard"));
        int correct = 0;
        int total = 0;
        foreach (string prompt in new[] { "a circle", "a square", "a triangle" })
        {
            for (ulong seed = 0; seed < 6; seed++)
            {
                // No scale or alpha: the folder's sampling_defaults.json (the lab's choice) applies.
                var images = await pipeline.GenerateAsync(new GenerationRequestInput(prompt, string.Empty, 0, 0, 20, seed, null, null, GuidanceMode.Chats, null, 1), ct);
                var rgb = RgbImageDecoder.Decode(images[0].Png);
                correct += ShapesScorer.Judge(ShapesPrompt.Parse(prompt), rgb.Rgb, rgb.Width, rgb.Height) ? 1 : 0;
                total++;
            }
        }

        // Untrained weights draw no shapes at all (0 of 18); the lab's CHATS model draws most of them.
        Assert.True(correct >= total / 3, $"{correct} of {total} single-object images judged correct");

        var cfg = await pipeline.GenerateAsync(new GenerationRequestInput("a red circle", string.Empty, 0, 0, 20, 1, null, null, GuidanceMode.Cfg, null, 1), ct);
        Assert.Equal(64, cfg[0].Width);
    }
}
