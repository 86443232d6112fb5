using Chats.Core.Tests.Sampling;
using Chats.Inference.Loading;
using Chats.Tools;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Core.Tests.Tools;

/// <summary>
/// The SD3 family end to end through the sampler's <see cref="Chats.Core.Sampling.GenerationPipeline"/>
/// (<see cref="PipelineCaseRunner"/>): every step's latents, each transformer's inputs and outputs, the proxy prompt
/// θ− is opened with, and the decoded image against diffusers-reference-sd3's <c>cfg_*</c> and <c>chats_*</c> cases.
/// </summary>
[Collection("TorchSharp")]
public sealed class PipelineCaseRunnerSd3ParityTests
{
    /// <summary>Latents, transformer inputs and outputs, decoded image (fp32, max abs), as the fixture README sets it.</summary>
    private const double Tolerance = 1e-4;

    public static TheoryData<string, string> Cases => new()
    {
        { "tiny-sd3", "cfg_b1" },
        { "tiny-sd3", "cfg_b2_nonsquare" },
        { "tiny-chats-sd3", "chats_b1" },
        { "tiny-chats-sd3", "chats_b2_nonsquare" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Case_MatchesTheReferenceTrajectoryStepByStep(string pipeline, string caseName)
    {
        string casePath = FixturePaths.CombineSd3(pipeline, "cases", caseName + ".safetensors");
        var reference = SafetensorsFile.Read(casePath);
        var outputs = await PipelineCaseRunner.RunAsync(FixturePaths.CombineSd3(pipeline), casePath, TestContext.Current.CancellationToken);
        try
        {
            var tally = new ParityTally();
            string[] compared = caseName.StartsWith("chats", StringComparison.Ordinal)
                ? ["latents", "image_decoded", "pred_win", "pred_lose", "proxy_prompt_embeds", "proxy_pooled_prompt_embeds"]
                : ["latents", "image_decoded", "transformer_in", "transformer_out"];
            foreach (string name in compared)
            {
                Assert.Equal(reference[name].shape, outputs[name].shape);
                tally.Add(name, Floats(outputs[name]), Floats(reference[name]), Tolerance);
            }

            tally.Add("timesteps", Floats(outputs["timesteps"]), Floats(reference["timesteps"]), 0);
            tally.Add("image_uint8", Bytes(outputs["image_uint8"]), Bytes(reference["image_uint8"]), 1);
            tally.AssertWithinTolerances($"{pipeline}/{caseName} (pipeline runner)");

            // The comparison can fail: the trajectory moves, so the first and last latents differ by far more than the tolerance.
            using var first = outputs["latents"][0];
            using var last = outputs["latents"][-1];
            Assert.True((first - last).abs().max().item<float>() > 100 * Tolerance);
        }
        finally
        {
            foreach (var tensor in reference.Values.Concat(outputs.Values))
            {
                tensor.Dispose();
            }
        }
    }

    [Fact]
    public async Task ChatsCase_OnAStandardOnlyFolder_IsRefusedNamingTheMissingRole()
    {
        string casePath = FixturePaths.CombineSd3("tiny-chats-sd3", "cases", "chats_b1.safetensors");
        var e = await Assert.ThrowsAsync<InvalidDataException>(
            () => PipelineCaseRunner.RunAsync(FixturePaths.CombineSd3("tiny-sd3"), casePath, TestContext.Current.CancellationToken));
        Assert.Contains("transformer_win", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CaseWithoutSettings_IsRefusedNamingTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"chats-case-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafetensorsFile.Write(new Dictionary<string, Tensor> { ["initial_noise"] = torch.zeros(1, 16, 16, 16) }, path);
            var e = await Assert.ThrowsAsync<InvalidDataException>(
                () => PipelineCaseRunner.RunAsync(FixturePaths.CombineSd3("tiny-sd3"), path, TestContext.Current.CancellationToken));
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
            Assert.Contains("'case'", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static float[] Floats(Tensor tensor)
    {
        using var f = tensor.to(ScalarType.Float32).contiguous();
        return f.data<float>().ToArray();
    }

    private static byte[] Bytes(Tensor tensor)
    {
        using var b = tensor.to(ScalarType.Byte).contiguous();
        return b.data<byte>().ToArray();
    }
}
