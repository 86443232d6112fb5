using System.Text.RegularExpressions;
using Chats.Inference.Roles;
using Chats.Inference.Engine;
using Chats.Inference.Local;
using Chats.Core.Loading;
using TorchSharp;
using Chats.Inference.Loading;
using Chats.Tools;

namespace Chats.Core.Tests.Inference;

/// <summary>
/// The <c>chats model run</c> path (ComponentRunner) over every component case of the reference fixtures:
/// each output it writes must match the stored diffusers / transformers value.
/// </summary>
[Collection("TorchSharp")]
public sealed partial class ComponentRunnerTests
{
    private const double Tolerance = 1e-4;

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string pipeline in new[] { "tiny-sd15", "tiny-sdxl", "tiny-chats-sd15", "tiny-chats-sdxl" })
        {
            foreach (string file in Directory.GetFiles(FixturePaths.Combine(pipeline, "cases"), "*.safetensors").Order(StringComparer.Ordinal))
            {
                var match = CaseName().Match(Path.GetFileNameWithoutExtension(file));
                if (match.Success)
                {
                    string component = match.Groups[1].Value switch
                    {
                        "vae_decode" => "vae.decode",
                        "vae_encode" => "vae.encode",
                        var other => other,
                    };
                    data.Add($"{pipeline}/cases/{Path.GetFileName(file)}", component);
                }
            }
        }

        return data;
    }

    /// <summary>(case path under diffusers-reference-sd3, component) for every transformer* and vae_decode case of the SD3 fixtures.</summary>
    public static TheoryData<string, string> Sd3Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string pipeline in new[] { "tiny-sd3", "tiny-chats-sd3" })
        {
            foreach (string file in Directory.GetFiles(FixturePaths.CombineSd3(pipeline, "cases"), "*.safetensors").Order(StringComparer.Ordinal))
            {
                var match = Sd3CaseName().Match(Path.GetFileNameWithoutExtension(file));
                if (match.Success)
                {
                    data.Add($"{pipeline}/cases/{Path.GetFileName(file)}", match.Groups[1].Value == "vae_decode" ? "vae.decode" : match.Groups[1].Value);
                }
            }
        }

        return data;
    }

    [Fact]
    public void Sd3Cases_CoverEveryTransformerAndTheVae()
    {
        var components = Sd3Cases().Select(row => row.Data.Item2).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["transformer", "transformer_lose", "transformer_win", "vae.decode"], components);
    }

    [Theory]
    [MemberData(nameof(Sd3Cases))]
    public void Run_Sd3_MatchesReferenceOutputs(string casePath, string component)
    {
        using var scope = torch.NewDisposeScope();
        string pipeline = casePath[..casePath.IndexOf('/', StringComparison.Ordinal)];
        var stored = SafetensorsFile.Read(FixturePaths.CombineSd3(casePath.Split('/')));

        var outputs = ComponentRunner.Run(FixturePaths.CombineSd3(pipeline), component, stored);

        var compared = outputs.Keys.Where(stored.ContainsKey).ToList();
        Assert.NotEmpty(compared);
        foreach (string name in compared)
        {
            Assert.Equal(stored[name].shape, outputs[name].shape);
            double error = (outputs[name] - stored[name]).abs().max().item<float>();
            Chats.Core.Tests.Models.ModelCases.Log($"component-runner sd3 {casePath} {name} max_abs={error:E3}");
            Assert.True(error <= Tolerance, $"{casePath} {name}: max abs error {error:E2} > {Tolerance:E0}");
        }
    }

    [Fact]
    public void Run_TransformerInputsOnAUNet_NamesTheMissingInput()
    {
        // The class in model_index.json picks the network: a unet given a transformer case asks for the UNet's inputs.
        using var scope = torch.NewDisposeScope();
        var stored = SafetensorsFile.Read(FixturePaths.CombineSd3("tiny-sd3", "cases", "transformer_case0.safetensors"));
        var error = Assert.Throws<ArgumentException>(() => ComponentRunner.Run(FixturePaths.Combine("tiny-sd15"), "unet", stored));
        Assert.Contains("'sample'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Run_MatchesReferenceOutputs(string casePath, string component)
    {
        using var scope = torch.NewDisposeScope();
        string pipeline = casePath[..casePath.IndexOf('/', StringComparison.Ordinal)];
        var stored = SafetensorsFile.Read(FixturePaths.Combine(casePath.Split('/')));

        var outputs = ComponentRunner.Run(FixturePaths.Combine(pipeline), component, stored);

        var compared = outputs.Keys.Where(stored.ContainsKey).ToList();
        Assert.NotEmpty(compared);
        foreach (string name in compared)
        {
            double error = (outputs[name] - stored[name]).abs().max().item<float>();
            Assert.True(error <= Tolerance, $"{casePath} {name}: max abs error {error:E2} > {Tolerance:E0}");
        }
    }

    [Fact]
    public void Run_UnknownComponent_NamesTheAcceptedOnes()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            ComponentRunner.Run(FixturePaths.Combine("tiny-sd15"), "unet_typo", new Dictionary<string, torch.Tensor>()));
        Assert.Contains("unet_win", error.Message, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^(transformer_win|transformer_lose|transformer|vae_decode)_case\d+$")]
    private static partial Regex Sd3CaseName();

    [GeneratedRegex(@"^(text_encoder_2|text_encoder_two|text_encoder|unet_win|unet_lose|unet|vae_decode|vae_encode)_case\d+$")]
    private static partial Regex CaseName();
}
