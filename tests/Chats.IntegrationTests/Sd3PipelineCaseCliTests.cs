using Chats.Core.Tests;
using Chats.Inference.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.IntegrationTests;

/// <summary>
/// <c>chats model run --component pipeline</c> as a team runs it, in a real process: an SD3 end-to-end reference case in,
/// every step's latents and the decoded image out, at the fixture's tolerances.
/// </summary>
public sealed class Sd3PipelineCaseCliTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(3);

    private static string Cli => typeof(Cli.Commands.CommandErrors).Assembly.Location;

    public static TheoryData<string, string> Cases => new()
    {
        { "tiny-sd3", "cfg_b2_nonsquare" },
        { "tiny-chats-sd3", "chats_b2_nonsquare" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task ModelRunPipeline_WritesLatentsAndImageAtParity(string pipeline, string caseName)
    {
        string casePath = FixturePaths.CombineSd3(pipeline, "cases", caseName + ".safetensors");
        string output = Path.Combine(Path.GetTempPath(), $"chats-pipeline-{Guid.NewGuid():N}", "out.safetensors");
        try
        {
            var run = await ProcessRun.DotnetAsync(
                Cli,
                ["model", "run", "--model", FixturePaths.CombineSd3(pipeline), "--component", "pipeline", "--inputs", casePath, "--out", output],
                s_timeout,
                TestContext.Current.CancellationToken);
            Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.StandardOutput}{run.StandardError}");
            Assert.Contains($"wrote {output}", run.StandardOutput, StringComparison.Ordinal);

            using var scope = torch.NewDisposeScope();
            var actual = SafetensorsFile.Read(output);
            var reference = SafetensorsFile.Read(casePath);
            foreach (string name in new[] { "latents", "image_decoded" })
            {
                Assert.Equal(reference[name].shape, actual[name].shape);
                double error = (actual[name] - reference[name]).abs().max().item<float>();
                Assert.True(error <= 1e-4, $"{name}: max abs {error:E3} > 1e-4");
            }

            double pixels = (actual["image_uint8"].to(ScalarType.Int32) - reference["image_uint8"].to(ScalarType.Int32)).abs().max().item<int>();
            Assert.True(pixels <= 1, $"image_uint8: max abs {pixels} > 1");
        }
        finally
        {
            if (Directory.Exists(Path.GetDirectoryName(output)))
            {
                Directory.Delete(Path.GetDirectoryName(output)!, recursive: true);
            }
        }
    }

    [Fact]
    public async Task ModelRunPipeline_ChatsCaseOnAStandardOnlyFolder_FailsWithOneLineNamingTheMissingComponent()
    {
        string output = Path.Combine(Path.GetTempPath(), $"chats-pipeline-{Guid.NewGuid():N}.safetensors");
        var run = await ProcessRun.DotnetAsync(
            Cli,
            ["model", "run", "--model", FixturePaths.CombineSd3("tiny-sd3"), "--component", "pipeline",
                "--inputs", FixturePaths.CombineSd3("tiny-chats-sd3", "cases", "chats_b1.safetensors"), "--out", output],
            s_timeout,
            TestContext.Current.CancellationToken);

        Assert.NotEqual(0, run.ExitCode);
        var line = Assert.Single(run.ErrorLines);
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains("transformer_win", line, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }
}
