using System.Text.Json.Nodes;
using Chats.Core.Tests;
using Chats.Decoder;
using Chats.Denoiser;
using Chats.TextEncoder;
using Microsoft.AspNetCore.Builder;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Chats.IntegrationTests;

/// <summary>
/// A bad model folder fails the service at start-up: the host's Build throws (so the service never listens and is
/// never reported ready), with a message naming the offending file and the problem, instead of failing a request later.
/// Each case copies tiny-sd15 to a temp folder and breaks one thing in the component the role loads.
/// </summary>
public sealed class StartupFailureTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("chats-startup-").FullName;

    public StartupFailureTests()
    {
        ModelPath = Path.Combine(_root, "tiny-sd15");
        CopyPipeline(FixturePaths.Combine("tiny-sd15"), ModelPath);
    }

    private string ModelPath { get; }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    public static TheoryData<string> Roles => ["text-encoder", "denoiser", "decoder"];

    private static void CopyPipeline(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (string file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }

        foreach (string dir in Directory.GetDirectories(source).Where(d => Path.GetFileName(d) != "cases"))
        {
            CopyPipeline(dir, Path.Combine(destination, Path.GetFileName(dir)));
        }
    }

    /// <summary>The component folder the role loads weights from.</summary>
    private static string Component(string role) => role switch
    {
        "text-encoder" => "text_encoder",
        "denoiser" => "unet",
        "decoder" => "vae",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    private string ComponentDir(string role) => Path.Combine(ModelPath, Component(role));

    private string WeightsPath(string role) =>
        Path.Combine(ComponentDir(role), role == "text-encoder" ? "model.safetensors" : "diffusion_pytorch_model.safetensors");

    private string ConfigPath(string role) => Path.Combine(ComponentDir(role), "config.json");

    /// <summary>Builds the role's host on the broken folder and returns the start-up exception.</summary>
    private Exception BuildFails(string role)
    {
        Func<string[], IReadOnlyDictionary<string, string?>?, WebApplication> build = role switch
        {
            "text-encoder" => TextEncoderServiceHost.Build,
            "denoiser" => DenoiserServiceHost.Build,
            "decoder" => DecoderServiceHost.Build,
            _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
        };
        string section = role switch
        {
            "text-encoder" => "TextEncoder",
            "denoiser" => "Denoiser",
            _ => "Decoder",
        };
        var settings = new Dictionary<string, string?>
        {
            [$"{section}:ModelPath"] = ModelPath,
            ["Endpoints:Host"] = "127.0.0.1",
            ["Endpoints:GrpcPort"] = "0",
            ["Endpoints:HttpPort"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        return Assert.ThrowsAny<Exception>(() =>
        {
            // Reaching here would mean the broken folder was accepted: dispose what was built before the assert fails.
            using var app = build([], settings);
        });
    }

    private static void AssertNames(Exception e, string file, string problem)
    {
        Assert.Contains(file, e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Reads the role's weights, lets <paramref name="edit"/> change them, and writes them back in place.</summary>
    private void EditWeights(string role, Action<Dictionary<string, Tensor>> edit)
    {
        string path = WeightsPath(role);
        var tensors = Safetensors.LoadStateDict(path);
        try
        {
            edit(tensors);
            File.Delete(path);
            Safetensors.SaveStateDict(path, tensors);
        }
        finally
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }
        }
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public void ModelFolderNotFound_FailsNamingFolder(string role)
    {
        Directory.Delete(ModelPath, recursive: true);
        AssertNames(BuildFails(role), ModelPath, "not found");
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public void NotADiffusersPipeline_FailsNamingModelIndex(string role)
    {
        File.Delete(Path.Combine(ModelPath, "model_index.json"));
        AssertNames(BuildFails(role), Path.Combine(ModelPath, "model_index.json"), "not a diffusers pipeline folder");
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public void MissingComponentFolder_FailsNamingFolder(string role)
    {
        Directory.Delete(ComponentDir(role), recursive: true);
        AssertNames(BuildFails(role), ComponentDir(role), "missing");
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public void ComponentNotInModelIndex_FailsNamingModelIndex(string role)
    {
        string index = Path.Combine(ModelPath, "model_index.json");
        var json = JsonNode.Parse(File.ReadAllText(index))!.AsObject();
        Assert.True(json.Remove(Component(role)));
        File.WriteAllText(index, json.ToJsonString());
        AssertNames(BuildFails(role), index, $"component '{Component(role)}' is not in this pipeline");
    }

    [Theory]
    [InlineData("text-encoder", "hidden_act", "\"relu\"")]
    [InlineData("denoiser", "class_embed_type", "\"timestep\"")]
    [InlineData("decoder", "act_fn", "\"gelu\"")]
    public void UnsupportedConfigValue_FailsNamingConfigAndField(string role, string field, string value)
    {
        var json = JsonNode.Parse(File.ReadAllText(ConfigPath(role)))!.AsObject();
        json[field] = JsonNode.Parse(value);
        File.WriteAllText(ConfigPath(role), json.ToJsonString());
        var e = BuildFails(role);
        AssertNames(e, ConfigPath(role), "not supported");
        Assert.Contains(field, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public void MissingConfig_FailsNamingConfig(string role)
    {
        File.Delete(ConfigPath(role));
        AssertNames(BuildFails(role), ConfigPath(role), "not found");
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public void MissingWeights_FailsNamingWeightsFile(string role)
    {
        File.Delete(WeightsPath(role));
        AssertNames(BuildFails(role), WeightsPath(role), "not found");
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public void RenamedWeightKey_FailsNamingFileAndBothKeys(string role)
    {
        string renamed = string.Empty;
        EditWeights(role, t =>
        {
            renamed = t.Keys.Order(StringComparer.Ordinal).First();
            t[renamed + "_renamed"] = t[renamed];
            t.Remove(renamed);
        });
        var e = BuildFails(role);
        AssertNames(e, WeightsPath(role), $"missing keys: {renamed}");
        Assert.Contains($"unexpected keys: {renamed}_renamed", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public void WrongWeightShape_FailsNamingFileKeyAndShape(string role)
    {
        string changed = string.Empty;
        EditWeights(role, t =>
        {
            changed = t.Keys.Where(k => k.EndsWith(".bias", StringComparison.Ordinal)).Order(StringComparer.Ordinal).First();
            var old = t[changed];
            t[changed] = zeros(old.shape[0] + 1);
            old.Dispose();
        });
        AssertNames(BuildFails(role), WeightsPath(role), $"wrong shape for '{changed}'");
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public void CorruptSafetensorsHeader_FailsNamingFile(string role)
    {
        using (var stream = File.OpenWrite(WeightsPath(role)))
        {
            // An absurd header length: the first 8 bytes of a safetensors file.
            stream.Write([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
        }

        AssertNames(BuildFails(role), WeightsPath(role), "corrupt safetensors header");
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public void HeaderNotJson_FailsNamingFile(string role)
    {
        using (var stream = File.OpenWrite(WeightsPath(role)))
        {
            stream.Position = 8;
            stream.Write("not json"u8);
        }

        AssertNames(BuildFails(role), WeightsPath(role), "corrupt safetensors header");
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public void TruncatedWeights_FailsNamingFile(string role)
    {
        string path = WeightsPath(role);
        using (var stream = File.OpenWrite(path))
        {
            stream.SetLength(stream.Length / 2);
        }

        AssertNames(BuildFails(role), path, "corrupt safetensors header");
    }
}
