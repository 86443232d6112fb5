using Chats.Inference.Models.Clip;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Chats.Core.Tests.Models.Clip;

/// <summary>Forward parity with transformers 4.36 on the fixture pipelines' text encoders.</summary>
[Collection("TorchSharp")]
public sealed class ClipTextModelParityTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    private static readonly string[] s_pipelines = ["tiny-sd15", "tiny-sdxl", "tiny-chats-sd15", "tiny-chats-sdxl"];

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string pipeline in s_pipelines)
        {
            foreach (string file in Directory.GetFiles(FixturePaths.Combine(pipeline, "cases"), "text_encoder*_case*.safetensors").Order(StringComparer.Ordinal))
            {
                data.Add(pipeline, Path.GetFileName(file));
            }
        }

        return data;
    }

    [Fact]
    public void Fixtures_CoverEighteenCases() => Assert.Equal(18, Cases().Count);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_MatchesTransformers(string pipeline, string caseFile)
    {
        string component = caseFile[..caseFile.LastIndexOf("_case", StringComparison.Ordinal)];
        string componentDir = FixturePaths.Combine(pipeline, component);
        Dictionary<string, Tensor> reference = Safetensors.LoadStateDict(FixturePaths.Combine(pipeline, "cases", caseFile));
        try
        {
            using var scope = NewDisposeScope();
            using var inference = inference_mode();
            Tensor inputIds = reference["input_ids"];
            if (reference.TryGetValue("text_embeds", out Tensor? textEmbeds))
            {
                using var model = ClipTextModelWithProjection.Load(componentDir);
                using ClipTextOutput result = model.forward(inputIds);
                AssertClose(reference["last_hidden_state"], result.LastHiddenState, "last_hidden_state");
                AssertClose(reference["penultimate_hidden_state"], result.PenultimateHiddenState, "penultimate_hidden_state");
                AssertClose(reference["pooled_output"], result.PooledOutput, "pooled_output");
                Assert.NotNull(result.TextEmbeds);
                AssertClose(textEmbeds, result.TextEmbeds, "text_embeds");
            }
            else
            {
                using var model = ClipTextModel.Load(componentDir);
                using ClipTextOutput result = model.forward(inputIds);
                AssertClose(reference["last_hidden_state"], result.LastHiddenState, "last_hidden_state");
                AssertClose(reference["penultimate_hidden_state"], result.PenultimateHiddenState, "penultimate_hidden_state");
                AssertClose(reference["pooler_output"], result.PooledOutput, "pooler_output");
                Assert.Null(result.TextEmbeds);
            }
        }
        finally
        {
            foreach (Tensor tensor in reference.Values)
            {
                tensor.Dispose();
            }
        }
    }

    private void AssertClose(Tensor expected, Tensor actual, string name)
    {
        Assert.Equal(expected.shape, actual.shape);
        using Tensor difference = (expected - actual).abs().max();
        double maxAbs = difference.item<float>();
        output.WriteLine($"{name}: max abs error {maxAbs:E2}");
        Assert.True(maxAbs <= Tolerance, $"{name}: max abs error {maxAbs:E3} > {Tolerance:E0}");
    }
}
